#!/usr/bin/env python3
"""How many submissions PostgreSQL alone could carry on this machine, as a ratio to the
server's plaintext rate measured in the same run.

A submission is two HTTP requests (create with the form, submit). Whatever the server does,
each request must find its caller's session in the database (several processes share one
PostgreSQL and a revoked token is refused at once, so no process may trust a cached session)
and must make its change durable before it answers. So each request costs PostgreSQL at least
one indexed read and one committed write. This script measures that floor with pgbench, with
no Tongban code and no HTTP in the way: PostgreSQL gets the whole machine, which the real
server, its database and the load generator share. Anything the real path adds (the audit
entry, timeline, tasks, receipt counter, the guide and the case reads) only lowers the figure.

  1. plaintext: `tongban serve` (release build) answering GET /healthz to wrk, 64 connections;
  2. floor request: pgbench, 64 clients, prepared statements, one session lookup by token
     hash (1,000 sessions) and one single-row INSERT committed on its own, per transaction.

ceiling ratio = (floor requests per second / 2) / plaintext per second.

Usage (fsync on, as in production):
  TONGBAN_PG_FSYNC=on scripts/with-postgres sh -c \
    'DATABASE_URL=$TONGBAN_TEST_DATABASE_URL python3 bench/applications/pg_ceiling.py --binary .build-release/release/tongban'
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from run import ROOT, free_port, wrk  # noqa: E402

SCHEMA = """
DROP TABLE IF EXISTS ceiling_sessions, ceiling_writes;
CREATE TABLE ceiling_sessions (token_hash text PRIMARY KEY, account_id uuid NOT NULL);
INSERT INTO ceiling_sessions SELECT md5(i::text), md5(i::text || 'a')::uuid FROM generate_series(1, 1000) AS i;
CREATE TABLE ceiling_writes (id bigserial PRIMARY KEY, account_id uuid NOT NULL, payload text NOT NULL);
"""

REQUEST = """\\set n random(1, 1000)
SELECT account_id FROM ceiling_sessions WHERE token_hash = md5(:n::text);
INSERT INTO ceiling_writes (account_id, payload) VALUES (md5(:n::text || 'a')::uuid, 'submission');
"""


def psql(url, sql):
    subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "tongban"))
    parser.add_argument("--duration", type=int, default=8)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("DATABASE_URL must name the PostgreSQL server to measure (see the usage above)")
    fsync = subprocess.run(["psql", url, "-At", "-c", "SHOW fsync"], capture_output=True, text=True, check=True).stdout.strip()

    # The plaintext yardstick, on the embedded database so that the server touches nothing of
    # PostgreSQL's while the floor is measured after it.
    data = tempfile.mkdtemp(prefix="tongban-ceiling-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"LOG_LEVEL": "error"}
    server = subprocess.Popen([args.binary, "serve", "--port", str(port), "--data-dir", data], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        plaintext, _, _ = wrk(f"http://127.0.0.1:{port}/healthz", args.duration)
    finally:
        server.terminate()
        server.wait(timeout=30)

    psql(url, SCHEMA)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(REQUEST)
        script = f.name
    out = subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", "64", "-j", "2", "-T", str(args.duration), "-f", script, url],
                         capture_output=True, text=True, check=True).stdout
    floor = float(re.search(r"tps = ([\d.]+)", out).group(1))
    psql(url, "DROP TABLE ceiling_sessions, ceiling_writes")
    ceiling = floor / 2
    print(json.dumps({
        "fsync": fsync, "plaintextPerSecond": round(plaintext), "floorRequestsPerSecond": round(floor),
        "submissionCeilingPerSecond": round(ceiling), "submissionCeilingRatio": round(ceiling / plaintext, 4),
        "goal30PercentReachable": ceiling / plaintext >= 0.30,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()

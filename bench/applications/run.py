#!/usr/bin/env python3
"""Application throughput of a running Tongban build, as ratios to its plaintext rate.

Starts `tongban serve --demo` on a fresh data directory (SQLite, or PostgreSQL when
DATABASE_URL is set), then with wrk at 64 connections measures:
  1. plaintext: GET /healthz
  2. submissions: an API client's path, create (with the form filled) → submit, each
     durable and audited, counted as completed submissions per second
  3. transitions: the clerk's `accept` on the submitted cases, one per case, answered with
     the whole application view or, with --minimal, the new state only (Prefer: return=minimal)
and, for each phase, the CPU the server (and PostgreSQL) spent per operation.
Usage: bench/applications/run.py [--binary .build/release/tongban] [--duration 10] [--minimal]
"""
import argparse
import hashlib
import hmac
import json
import os
import pathlib
import re
import shutil
import socket
import sqlite3
import struct
import subprocess
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
PASSWORD = "Tongban@2026demo"
PERSON = "330106198503120116"
ITEM = {"itemCode": "330106-GG-0002", "divisionCode": "330106", "form": {"request": "bench"}}

SUBMIT_LUA = r'''
-- An API client's submission: create the application with its form filled (201 with the id),
-- then submit it. Responses of different connections arrive in any order, so a 201 is
-- recognised as a new application by its status.
local token = "%s"
local item = '%s'
local created = {}
local uuid = '"id":"(%%x+%%-%%x+%%-%%x+%%-%%x+%%-%%x+)"'
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
request = function()
  if #created > 0 then
    return wrk.format("POST", "/api/v1/applications/" .. table.remove(created) .. "/submit", nil, "")
  end
  return wrk.format("POST", "/api/v1/applications", nil, item)
end
response = function(status, headers, body)
  if status == 201 then
    table.insert(created, string.match(body, uuid))
  end
end
'''

ACCEPT_LUA = r'''
-- Each thread accepts its share of the submitted cases (every nthreads-th id) and stops once
-- every one of its accepts has been answered; the rate is read from the audit log.
local token = "%s"
local ids = {%s}
local threads = {}
setup = function(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end
init = function(args)
  nthreads = %d
  counter = 0
  answered = 0
  share = 0
  for i = offset + 1, #ids, nthreads do share = share + 1 end
  if share == 0 then wrk.thread:stop() end
end
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
if %s then wrk.headers["Prefer"] = "return=minimal" end
request = function()
  if not started then
    -- wrk 4 builds one request on the first thread's script to check it and never sends it;
    -- an id drawn there would never be answered and the thread would poll until the end.
    started = true
    return wrk.format("GET", "/healthz")
  end
  counter = counter + 1
  local index = (counter - 1) * nthreads + offset + 1
  if index > #ids then
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", "/api/v1/applications/" .. ids[index] .. "/actions", nil, '{"action":"accept"}')
end
delay = function()
  -- Once this thread has sent its last accept, its connections only poll until the last
  -- answers arrive; slowly, so that polls are few among the requests the p99 is taken over.
  if counter * nthreads + offset + 1 > #ids then return 20 end
  return 0
end
response = function(status, headers, body)
  if not string.find(body, '"status":"ok"', 1, true) then
    answered = answered + 1
    if answered >= share then wrk.thread:stop() end
  end
end
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def totp(username):
    secret = hashlib.sha256(f"tongban-demo-totp:{username}".encode()).digest()[:20]
    digest = hmac.new(secret, struct.pack(">Q", int(time.time() // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def call(base, method, path, token=None, body=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def wrk(url, duration, script=None, threads=2):
    command = ["wrk", "-t", str(threads), "-c", "64", "-d", f"{duration}s", "--latency", url]
    if script:
        command[1:1] = ["-s", script]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}
    return rate, float(p99.group(1)) * scale[p99.group(2)] if p99 else None, out


def sql_row(data, query):
    url = os.environ.get("DATABASE_URL")
    if url:
        out = subprocess.run(["psql", url, "-At", "-F", " ", "-c", query], capture_output=True, text=True, check=True).stdout
        return tuple(int(v) for v in out.split())
    with sqlite3.connect(os.path.join(data, "tongban.sqlite")) as db:
        return db.execute(query).fetchone()


def accept_span(data):
    """(count, first, last) of the audited accepts, times in Unix milliseconds. On PostgreSQL
    entries are linked into the chain (audit_log) shortly after commit; until then they wait
    in audit_pending, so both are counted."""
    return sql_row(data, """SELECT COUNT(*), MIN(occurred_at), MAX(occurred_at) FROM (
        SELECT occurred_at, action FROM audit_log UNION ALL SELECT occurred_at, action FROM audit_pending) AS entries
        WHERE action = 'application.accept'""")


def unsealed_backlog(data):
    """(entries still unsealed, seconds until none were): how far the sealer lagged."""
    waiting = sql_row(data, "SELECT COUNT(*) FROM audit_pending")[0]
    started = time.time()
    while sql_row(data, "SELECT COUNT(*) FROM audit_pending")[0] > 0 and time.time() - started < 60:
        time.sleep(0.1)
    return waiting, round(time.time() - started, 1)


def cpu_seconds(pids):
    """User + system CPU seconds consumed so far by the given processes."""
    total = 0
    for pid in pids:
        try:
            fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def database_pids():
    """PostgreSQL's processes on this machine (none for the embedded database)."""
    if not os.environ.get("DATABASE_URL"):
        return []
    return [p.name for p in pathlib.Path("/proc").iterdir()
            if p.name.isdigit() and (p / "comm").exists() and (p / "comm").read_text().strip() == "postgres"]


class CPU:
    """CPU spent by the server and by PostgreSQL over a phase, per operation: steadier on a
    shared machine than rates, which move with whatever else runs."""
    def __init__(self, server):
        self.server = server

    def __enter__(self):
        self.database = database_pids()
        self.start = (cpu_seconds([self.server.pid]), cpu_seconds(self.database))
        return self

    def __exit__(self, *exc):
        self.used = (cpu_seconds([self.server.pid]) - self.start[0], cpu_seconds(self.database) - self.start[1])

    def per(self, operations):
        return {"server": round(1000 * self.used[0] / operations, 3) if operations else None,
                "database": round(1000 * self.used[1] / operations, 3) if operations and self.database else None}


def count(base, token, status):
    return call(base, "GET", f"/api/v1/work/queue?status={status}&pageSize=1", token)["total"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "tongban"))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--minimal", action="store_true",
                        help="accept with Prefer: return=minimal (the new state only, not the whole application view)")
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="tongban-bench-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "LOG_LEVEL": "error"}
    engine = "postgres" if env.get("DATABASE_URL") else "sqlite"
    server = subprocess.Popen([args.binary, "serve", "--demo", "--port", str(port), "--data-dir", data], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        person = call(base, "POST", "/api/v1/auth/token", body={"login": PERSON, "password": PASSWORD})["token"]
        clerk = call(base, "POST", "/api/v1/auth/token", body={"login": "clerk", "password": PASSWORD, "otp": totp("clerk")})["token"]
        reviewer = call(base, "POST", "/api/v1/auth/token", body={"login": "reviewer", "password": PASSWORD, "otp": totp("reviewer")})["token"]
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(SUBMIT_LUA % (person, json.dumps(ITEM)))
            submit_script = f.name

        with CPU(server) as plain_cpu:
            plain, plain_p99, _ = wrk(base + "/healthz", args.duration)
            plain_requests = plain * args.duration
        started = count(base, clerk, "submitted")
        t0 = time.time()
        with CPU(server) as submit_cpu:
            _, request_p99, _ = wrk(base + "/", args.duration, submit_script)
        elapsed = time.time() - t0
        submitted = count(base, clerk, "submitted") - started
        submissions = submitted / elapsed

        ids = []
        page = 1
        while True:
            items = call(base, "GET", f"/api/v1/work/queue?status=submitted&pageSize=200&page={page}", clerk)["items"]
            ids += [i["applicationId"] for i in items]
            if len(items) < 200:
                break
            page += 1
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(ACCEPT_LUA % (clerk, ",".join(f'"{i}"' for i in ids), 2, "true" if args.minimal else "false"))
            accept_script = f.name
        # wrk runs for a fixed time whatever its threads do, so the rate comes from the audit
        # log: accepts recorded over the span between the first and the last of them.
        with CPU(server) as accept_cpu:
            _, transition_p99, accept_out = wrk(base + "/", args.duration, accept_script)
        # Accepts plus the few /healthz polls of connections whose thread has no id left to
        # send: far more than the accepts would mean the p99 and CPU figures are mostly polls.
        phase_requests = int(re.search(r"(\d+) requests in", accept_out).group(1))
        accepted, first_ms, last_ms = accept_span(data)
        unsealed, sealed_after = unsealed_backlog(data)
        transitions = (accepted - 1) / ((last_ms - first_ms) / 1000) if accepted > 1 and last_ms > first_ms else 0
        result = {
            "engine": engine, "transitionAnswer": "minimal" if args.minimal else "full view", "plaintextPerSecond": round(plain), "submissionsPerSecond": round(submissions, 1),
            "submissionRatio": round(submissions / plain, 4), "submissionRequestP99ms": request_p99,
            "transitionsPerSecond": round(transitions, 1), "transitionRatio": round(transitions / plain, 4),
            "transitionRequestP99ms": transition_p99, "transitionsMeasured": accepted,
            "transitionPhaseRequests": phase_requests,
            "casesAvailableForTransitions": len(ids), "auditUnsealedAtEnd": unsealed, "auditSealedAfterSeconds": sealed_after,
            # CPU milliseconds per operation (the transition phase also answers a few /healthz
            # polls of threads that have finished their share; they cost little).
            "cpuMsPerPlaintextRequest": plain_cpu.per(plain_requests), "cpuMsPerSubmission": submit_cpu.per(submitted),
            "cpuMsPerTransition": accept_cpu.per(accepted),
            # The goals, judged on this run alone.
            "goalsMet": {
                "submissionsAtLeast30PercentOfPlaintext": submissions / plain >= 0.30,
                "submissionRequestP99AtMost20ms": request_p99 <= 20,
                "transitionsAtLeast5000PerSecond": transitions >= 5000,
            },
        }
        print(json.dumps(result, ensure_ascii=False))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()

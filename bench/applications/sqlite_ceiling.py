#!/usr/bin/env python3
"""How many submissions the stack itself (Hummingbird 2 on the embedded SQLite) could carry on
this machine, as a ratio to Tongban's plaintext rate measured in the same run.

A submission is two HTTP requests (create with the form, submit). Whatever the server does,
each request must read its body, find its caller's session and make its change durable before
it answers. `submission-floor` (Sources/submission-floor) is a Hummingbird server that does
exactly that and nothing more, as generously as it can be done: no middleware, no JSON decoding,
no token hashing, one indexed read and one single-row insert, inserts that arrive during a
COMMIT sharing the next one. Anything Tongban adds (validation, the encrypted identifiers, the
audit entry with its hash chain, timeline, tasks, receipt counter, the guide and case reads,
the JSON answer) only lowers the figure.

One run measures, 64 connections each, in turn:
  1. Tongban's plaintext: `tongban serve` (release build) answering GET /healthz;
  2. the floor server's own plaintext (GET /healthz without any middleware);
  3. the floor request: POST /floor with the benchmark's create body and bearer token;
  4. the audited floor request: POST /floor/audited, the same plus a hash-chained audit entry
     in the same transaction (the issue measures submissions "durable, audited");
  5. Tongban's plaintext again.

ceiling ratio = (floor requests per second / 2) / mean of Tongban's two plaintext rates;
goal30PercentReachable is judged on the audited floor.
The CPU the floor server spent per request, against its CPU per plaintext request, says what
the bare minimum costs on top of HTTP whatever the machine's speed that minute.

Usage (release builds of both):
  swift build -c release --scratch-path .build-release --product tongban
  swift build -c release --scratch-path .build-release --product submission-floor
  python3 bench/applications/sqlite_ceiling.py --binary .build-release/release/tongban \
      --floor .build-release/release/submission-floor
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from run import ITEM, ROOT, cpu_seconds, free_port, wrk  # noqa: E402

FLOOR_LUA = r'''
wrk.method = "POST"
wrk.body = '%s'
wrk.headers["Authorization"] = "Bearer floor-token"
wrk.headers["Content-Type"] = "application/json"
'''


def start(command, env=None):
    """Starts a server and waits until its /healthz answers."""
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = command[command.index("--port") + 1]
    for _ in range(180):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.5)
    server.kill()
    sys.exit(f"{command[0]} did not answer on port {port}")


def stop(server):
    server.terminate()
    server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(ROOT / ".build-release" / "release" / "tongban"))
    parser.add_argument("--floor", default=str(ROOT / ".build-release" / "release" / "submission-floor"))
    parser.add_argument("--duration", type=int, default=8)
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"LOG_LEVEL": "error"}
    server, base = start([args.binary, "serve", "--port", str(free_port()), "--data-dir", tempfile.mkdtemp(prefix="tongban-ceiling-")], env)
    floor, floor_base = start([args.floor, "--port", str(free_port()), "--data-dir", tempfile.mkdtemp(prefix="tongban-floor-")])
    try:
        # Tongban's plaintext before and after the floor, so that a change of the machine's
        # speed during the run shows as a spread instead of moving the ratio unseen.
        plaintext_before, plaintext_p99, _ = wrk(base + "/healthz", args.duration)
        before = cpu_seconds([floor.pid])
        floor_plaintext, _, out = wrk(floor_base + "/healthz", args.duration)
        plaintext_cpu = cpu_seconds([floor.pid]) - before
        plaintext_requests = int(out.split(" requests in ")[0].split()[-1])
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(FLOOR_LUA % json.dumps(ITEM, ensure_ascii=False))
            script = f.name
        floors = {}
        for route in ("/floor", "/floor/audited"):
            before = cpu_seconds([floor.pid])
            rate, p99, out = wrk(floor_base + route, args.duration, script)
            if "Non-2xx" in out:
                sys.exit("the floor server refused requests:\n" + out)
            requests = int(out.split(" requests in ")[0].split()[-1])
            floors[route] = (rate, p99, 1000 * (cpu_seconds([floor.pid]) - before) / requests)
        plaintext_after, _, _ = wrk(base + "/healthz", args.duration)
    finally:
        stop(floor)
        stop(server)

    plaintext = (plaintext_before + plaintext_after) / 2
    result = {
        "plaintextPerSecond": [round(plaintext_before), round(plaintext_after)], "plaintextP99Ms": plaintext_p99,
        "floorPlaintextPerSecond": round(floor_plaintext),
        "floorCpuMsPerPlaintext": round(1000 * plaintext_cpu / plaintext_requests, 4),
    }
    for route, name in (("/floor", "floor"), ("/floor/audited", "auditedFloor")):
        rate, p99, cpu = floors[route]
        result |= {
            f"{name}RequestsPerSecond": round(rate), f"{name}RequestP99Ms": p99, f"{name}CpuMsPerRequest": round(cpu, 4),
            f"{name}SubmissionCeilingRatio": round(rate / 2 / plaintext, 4),
        }
    result["goal30PercentReachable"] = floors["/floor/audited"][0] / 2 / plaintext >= 0.30
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

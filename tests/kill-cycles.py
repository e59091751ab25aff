#!/usr/bin/env python3
"""Kill cycles: the real server under a write load, killed with SIGKILL over and over.

Each cycle kills a server during its start-up, then starts `switchboard serve --demo` over
the same data folder, sends off-line
messages from several threads (each one acknowledged by a 201 only once it is durable), kills
the server with SIGKILL at a random moment, and starts it again. At the end every message
that was ever acknowledged must be in the company's inbox. Bounded: CYCLES cycles of at most
a few seconds each, on 127.0.0.1 only.

Usage: tests/kill-cycles.py [BINARY] [CYCLES]   (default: the release build, 25 cycles)
Prints the cycles, the acknowledged writes and how many are missing (must be 0); exits 1 if
any is missing.
"""

import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

KEY = "abcdef0123456789"
WRITERS = 8


def call(base, method, path, body=None, token=None, timeout=5):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def start(binary, data, config, log):
    process = subprocess.Popen(
        [binary, "serve", "--demo", "--listen", "127.0.0.1:0", "--data", data,
         "--config", config],
        stdout=subprocess.PIPE, stderr=log, text=True)
    deadline = time.time() + 60
    for line in process.stdout:
        match = re.match(r"Switchboard listening on (\S+)", line)
        if match:
            # Keep reading its output so the pipe never fills.
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return process, match.group(1)
        if time.time() > deadline:
            break
    raise SystemExit("the server did not start; see " + log.name)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/switchboard"
    cycles = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    work = tempfile.mkdtemp(prefix="kill-cycles-")
    data = os.path.join(work, "data")
    config = os.path.join(work, "config.toml")
    with open(config, "w") as f:
        f.write("[http.limits]\nenabled = false\n")
    log = open(os.path.join(work, "server.log"), "w")
    acknowledged = set()
    lock = threading.Lock()
    counter = iter(range(10**9))

    for cycle in range(1, cycles + 1):
        # First a kill during start-up (opening the database, recovering, seeding).
        early = subprocess.Popen(
            [binary, "serve", "--demo", "--listen", "127.0.0.1:0", "--data", data,
             "--config", config], stdout=subprocess.DEVNULL, stderr=log)
        time.sleep(random.uniform(0, 0.05))
        early.send_signal(signal.SIGKILL)
        early.wait()
        process, base = start(binary, data, config, log)
        stop = threading.Event()

        def writer():
            while not stop.is_set():
                text = "cycle %d message %d" % (cycle, next(counter))
                try:
                    status, _ = call(base, "POST", "/v1/visitor/%s/offline-messages" % KEY,
                                     {"name": "Load", "email": "load@example.com",
                                      "message": text})
                except (OSError, urllib.error.URLError):
                    return  # the server is gone: this write was never acknowledged
                if status == 201:
                    with lock:
                        acknowledged.add(text)

        threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        time.sleep(random.uniform(0.3, 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        stop.set()
        for thread in threads:
            thread.join()
        print("cycle %d: %d acknowledged so far" % (cycle, len(acknowledged)), flush=True)

    process, base = start(binary, data, config, log)
    try:
        _, login = call(base, "POST", "/v1/login",
                        {"email": "admin@demo.example", "password": "demo-admin"})
        token = login["token"]
        stored, after = set(), None
        while True:
            path = "/v1/offline-messages?limit=500" + ("&after=%d" % after if after else "")
            _, page = call(base, "GET", path, token=token, timeout=30)
            stored.update(m["message"] for m in page)
            if len(page) < 500:
                break
            after = page[-1]["id"]
    finally:
        process.kill()
    missing = acknowledged - stored
    print("%d kill cycles (and %d kills during start-up), %d acknowledged writes, %d missing" %
          (cycles, cycles, len(acknowledged), len(missing)))
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()

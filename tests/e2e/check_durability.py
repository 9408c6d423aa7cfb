"""Durability of the live path, against a real `serve` and a real SQLite store.

 (a) kill -9 of serve under load: after a restart every acknowledged event is stored exactly once;
 (b) store locked for a while: nothing lost, retries visible in /healthz and `status`, all
     delivered after the lock is released;
 (c) server down: hook-handler exits 0, prints nothing, spools; serve drains the spool on start
     with no duplicates (also when the same event was delivered directly before);
 (d) a corrupt and torn queue segment: detected and counted, the good records kept and stored.
"""
import argparse
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import check, finish  # noqa: E402
from serve_support import Server, db_query  # noqa: E402

ARGS = None


def stored_ids(data):
    return [r[0] for r in db_query(data, "SELECT lower(hex(event_id)) FROM events "
                                         "WHERE source = 'hook'")]


def load(server, seconds, acked, connections=16, batch=1, nonce=None):
    cmd = [ARGS.load, "--port", str(server.port), "--connections", str(connections),
           "--batch", str(batch), "--duration-s", str(seconds), "--acked-file", acked]
    if nonce:
        cmd += ["--nonce", nonce]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_ids(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def drained(server):
    h = server.health()
    return h["queue"]["depth_records"] == 0


def case_kill9(tmp):
    data, home = os.path.join(tmp, "a-data"), os.path.join(tmp, "a-home")
    os.makedirs(home)
    server = Server(ARGS.bin, data, home, "--no-import").start()
    acked = os.path.join(tmp, "a-acked")
    gen = load(server, 3.0, acked, connections=16, batch=3, nonce="a1")
    time.sleep(1.2)
    server.kill9()
    out, _ = gen.communicate(timeout=60)
    ids = read_ids(acked)
    check(len(ids) > 100, f"kill9: only {len(ids)} events acknowledged before the kill ({out})")
    server = Server(ARGS.bin, data, home, "--no-import").start()
    try:
        server.wait_for(lambda: drained(server), 30)
        stored = stored_ids(data)
        missing = set(ids) - set(stored)
        check(not missing, f"kill9: {len(missing)} acknowledged events lost, e.g. "
                           f"{sorted(missing)[:3]}")
        check(len(stored) == len(set(stored)), "kill9: duplicates stored")
        print(f"kill9: {len(ids)} acknowledged, all stored once ({len(stored)} rows incl. "
              f"unacknowledged in-flight ones)")
    finally:
        server.stop()


def run_status(data, home, server):
    env = dict(os.environ, HOME=home)
    return subprocess.run([ARGS.bin, "--data-dir", data, "status", "--server", server.url],
                          capture_output=True, text=True, env=env, timeout=60)


def case_store_locked(tmp):
    data, home = os.path.join(tmp, "b-data"), os.path.join(tmp, "b-home")
    os.makedirs(home)
    server = Server(ARGS.bin, data, home, "--no-import").start()
    try:
        lock = sqlite3.connect(os.path.join(data, "agent-trace.db"), timeout=10,
                               isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        acked = os.path.join(tmp, "b-acked")
        gen = load(server, 1.5, acked, connections=8, batch=2, nonce="b2")
        gen.communicate(timeout=60)
        ids = read_ids(acked)
        check(len(ids) > 0, "locked: nothing acknowledged while the store was locked")
        server.wait_for(lambda: server.health()["writer"]["retries"] > 0, 10)
        h = server.health()
        check(h["writer"]["retries"] > 0 and h["writer"]["store_unavailable"],
              f"locked: retries not visible: {h['writer']}")
        check(h["status"] == "degraded", f"locked: health status {h['status']}")
        status = run_status(data, home, server)
        check(status.returncode != 0, "locked: `status` exits 0 while the store is unavailable")
        check("retr" in status.stdout.lower(), f"locked: `status` does not show retries:\n"
                                               f"{status.stdout}")
        time.sleep(1.0)
        lock.execute("ROLLBACK")
        lock.close()
        server.wait_for(lambda: drained(server), 30)
        stored = stored_ids(data)
        check(set(ids) <= set(stored), f"locked: {len(set(ids) - set(stored))} events lost")
        check(len(stored) == len(set(stored)), "locked: duplicates stored")
        h = server.health()
        check(not h["writer"]["store_unavailable"], "locked: still unavailable after release")
        print(f"store locked: {len(ids)} acknowledged during the outage, "
              f"{h['writer']['retries']} retries, all stored once after release")
    finally:
        server.stop()


def hook_payload(i, event="PostToolUse"):
    return json.dumps({"session_id": "spool-session", "transcript_path": "/nonexistent/t.jsonl",
                       "cwd": "/tmp/spool", "hook_event_name": event, "tool_name": "Bash",
                       "tool_use_id": f"toolu_spool_{i}", "tool_input": {"command": "secret"},
                       "duration_ms": 5})


def case_server_down(tmp):
    data, home = os.path.join(tmp, "c-data"), os.path.join(tmp, "c-home")
    os.makedirs(home)
    # A port nobody listens on: bind, read it, close.
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    n = 40
    worst = 0.0
    for i in range(n):
        t0 = time.monotonic()
        proc = subprocess.run([ARGS.bin, "hook-handler", "--server", f"http://127.0.0.1:{dead}",
                               "--data-dir", data, "PostToolUse"], input=hook_payload(i),
                              capture_output=True, text=True, timeout=30,
                              env=dict(os.environ, HOME=home))
        worst = max(worst, time.monotonic() - t0)
        check(proc.returncode == 0, f"down: hook-handler exited {proc.returncode}")
        check(proc.stdout == "", f"down: hook-handler printed {proc.stdout!r}")
    spooled = sum(1 for p in glob.glob(os.path.join(data, "spool", "*"))
                  for line in open(p) if line.strip())
    check(spooled == n, f"down: {spooled} spooled records, expected {n}")
    server = Server(ARGS.bin, data, home, "--no-import").start()
    try:
        server.wait_for(lambda: len(stored_ids(data)) >= n and drained(server), 20)
        stored = stored_ids(data)
        check(len(stored) == n, f"down: {len(stored)} stored after drain, expected {n}")
        # Content above tier 1 never reached the store.
        leaked = db_query(data, "SELECT count(*) FROM events WHERE attrs LIKE '%secret%'")[0][0]
        check(leaked == 0, "down: tier-2 content (tool_input) stored at tier 1")
        # The same envelope delivered again (a handler that timed out after the server
        # stored it, then spooled it) is stored once.
        spool_copy = os.path.join(tmp, "c-copy")
        proc = subprocess.run([ARGS.bin, "hook-handler", "--server", f"http://127.0.0.1:{dead}",
                               "--data-dir", spool_copy, "PostToolUse"],
                              input=hook_payload(999), capture_output=True, text=True, timeout=30)
        record = open(glob.glob(os.path.join(spool_copy, "spool", "*"))[0]).read().strip()
        status, _ = server.post(record.encode())
        check(status == 200, f"down: direct post of the spooled record: {status}")
        os.makedirs(os.path.join(data, "spool"), exist_ok=True)
        with open(os.path.join(data, "spool", "hooks.spool"), "a") as f:
            f.write(record + "\n")
        server.wait_for(lambda: server.health()["spool"]["pending_records"] == 0 and
                        drained(server), 20)
        time.sleep(0.3)
        stored = stored_ids(data)
        check(len(stored) == n + 1 and len(set(stored)) == n + 1,
              f"down: {len(stored)} rows after a double delivery, expected {n + 1}")
        print(f"server down: {n} hook-handler runs exited 0 silently (slowest {worst*1000:.0f} ms "
              f"incl. interpreter), spool drained once")
    finally:
        server.stop()


def case_corrupt_segment(tmp):
    data, home = os.path.join(tmp, "d-data"), os.path.join(tmp, "d-home")
    os.makedirs(home)
    server = Server(ARGS.bin, data, home, "--no-import").start()
    lock = sqlite3.connect(os.path.join(data, "agent-trace.db"), timeout=10, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")  # keep the records in the queue
    total = 60
    for i in range(total):
        status, _ = server.post({"session_id": "corrupt-session", "hook_event_name": "PreToolUse",
                                 "cwd": "/tmp/c", "tool_name": "Read",
                                 "tool_use_id": f"toolu_corrupt_{i:03d}"})
        check(status == 200, f"corrupt: post {i} -> {status}")
    server.kill9()
    lock.execute("ROLLBACK")
    lock.close()
    segments = sorted(glob.glob(os.path.join(data, "queue", "segment-*")))
    check(bool(segments), "corrupt: no queue segment on disk")
    if not segments:
        return
    seg = segments[-1]
    size = os.path.getsize(seg)
    with open(seg, "r+b") as f:
        f.seek(size // 2)
        b = f.read(1)
        f.seek(size // 2)
        f.write(bytes([b[0] ^ 0xFF]))
    with open(seg, "ab") as f:
        f.write(b"\x00\x17torn-tail-garbage")
    server = Server(ARGS.bin, data, home, "--no-import").start()
    try:
        server.wait_for(lambda: drained(server), 20)
        h = server.health()
        stored = len(stored_ids(data))
        q = h["queue"]
        check(q["corrupt_records"] >= 1 or q["torn_tail_bytes"] > 0,
              f"corrupt: corruption not detected: {q}")
        check(total - 2 <= stored < total, f"corrupt: {stored} of {total} records stored; "
                                           f"expected all but the damaged one")
        check(server.post({"session_id": "after", "hook_event_name": "Stop",
                           "cwd": "/tmp/c"})[0] == 200, "corrupt: server unusable after recovery")
        print(f"corrupt segment: {stored}/{total} good records stored, queue stats {q}")
    finally:
        server.stop()


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--load", required=True)
    parser.add_argument("--cases", default="kill9,locked,down,corrupt")
    ARGS = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="agent-trace-durability-")
    try:
        cases = {"kill9": case_kill9, "locked": case_store_locked, "down": case_server_down,
                 "corrupt": case_corrupt_segment}
        for name in ARGS.cases.split(","):
            cases[name](tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish("durability")


if __name__ == "__main__":
    main()

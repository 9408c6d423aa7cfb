"""Bad input to POST /v1/hooks: every case gets a 4xx with a JSON reason, is counted
in /healthz, and the server keeps serving (a valid event afterwards is stored)."""
import argparse
import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import check, finish  # noqa: E402
from serve_support import db_query, serving  # noqa: E402

VALID = {"session_id": "bad-input-session", "cwd": "/tmp/x", "hook_event_name": "PreToolUse",
         "tool_name": "Bash", "tool_use_id": "toolu_ok_1",
         "transcript_path": "/nonexistent/-tmp-x/bad-input-session.jsonl"}


def raw_request(port, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def expect(server, name, body, status_range, content_type="application/json"):
    status, reply = server.post(body, content_type)
    ok = status_range[0] <= status <= status_range[1]
    check(ok, f"{name}: HTTP {status}, expected {status_range}: {reply!r:.300}")
    check(isinstance(reply, dict) and isinstance(reply.get("error"), str) and reply["error"],
          f"{name}: no JSON reason in {reply!r:.300}")
    return status, reply


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    args = parser.parse_args()
    with serving(args.bin, "agent-trace-badinput-", "--no-import", "--max-body-mb",
                 "1") as (server, data):
        expect(server, "truncated JSON", b'{"session_id": "x", "hook_event_name": "Pre', (400, 400))
        expect(server, "not JSON", b"hello", (400, 400))
        expect(server, "JSON scalar", b"42", (400, 422))
        expect(server, "non-UTF-8", b'{"session_id": "\xff\xfe", "hook_event_name": "Stop", '
                                    b'"cwd": "/tmp"}', (400, 400))
        expect(server, "unknown hook event",
               dict(VALID, hook_event_name="NoSuchHookEvent"), (422, 422))
        expect(server, "wrong type session_id", dict(VALID, session_id=12345), (422, 422))
        expect(server, "wrong type hook_event_name", dict(VALID, hook_event_name=["x"]), (422, 422))
        expect(server, "missing session_id",
               {k: v for k, v in VALID.items() if k != "session_id"}, (422, 422))
        expect(server, "empty batch", b"[]", (400, 422))
        big = json.dumps(dict(VALID, tool_input={"content": "x" * (2 << 20)})).encode()
        expect(server, "huge body", big, (413, 413))
        # Not the hooks endpoint, wrong method, garbage HTTP.
        try:
            import urllib.request
            urllib.request.urlopen(server.url + "/v1/hooks", timeout=5)
            check(False, "GET /v1/hooks: expected 405")
        except urllib.error.HTTPError as e:
            check(e.code == 405, f"GET /v1/hooks: {e.code}")
            check("error" in json.loads(e.read()), "GET /v1/hooks: no JSON reason")
        reply = raw_request(server.port, b"NOT HTTP AT ALL\r\n\r\n")
        check(reply.startswith(b"HTTP/1.1 400"), f"garbage request: {reply[:80]!r}")
        # A batch with one bad element: the good one is stored, the bad one reported.
        status, reply = server.post([dict(VALID, tool_use_id="toolu_ok_2"),
                                     dict(VALID, hook_event_name="Bogus")])
        check(status == 200 and reply.get("accepted") == 1 and len(reply.get("rejected", [])) == 1,
              f"mixed batch: {status} {reply}")
        # Still serving: a valid event is accepted and stored.
        status, reply = server.post(VALID)
        check(status == 200 and reply.get("accepted") == 1, f"valid after bad: {status} {reply}")
        server.wait_for(lambda: db_query(data, "SELECT count(*) FROM events WHERE source='hook'")
                        [0][0] == 2, 10)
        stored = db_query(data, "SELECT count(*) FROM events WHERE source='hook'")[0][0]
        check(stored == 2, f"stored {stored} hook events, expected the 2 valid ones")
        h = server.health()
        hooks = h["ingest"]["hooks"]
        check(hooks["rejected"] >= 9, f"rejections not counted: {hooks}")
        check(hooks["rejected_by_reason"].get("unknown_hook_event", 0) >= 2,
              f"unknown events not counted by reason: {hooks}")
        check(h["ingest"]["http"]["too_large"] >= 1 and h["ingest"]["http"]["malformed"] >= 1,
              f"HTTP-level refusals not counted: {h['ingest']['http']}")
        check(server.proc.poll() is None, "server died")
        # Well-formed requests it refused are kept for `dlq replay` after an upgrade.
        import subprocess
        listing = subprocess.run([args.bin, "--data-dir", data, "dlq", "list", "--json"],
                                 capture_output=True, text=True, timeout=60,
                                 env=dict(os.environ, HOME=server.home))
        entries = json.loads(listing.stdout or "[]")
        entries = entries.get("entries", entries) if isinstance(entries, dict) else entries
        reasons = [e.get("reason", "") for e in entries]
        check(any("NoSuchHookEvent" in r for r in reasons),
              f"unknown hook event not kept in the DLQ: {reasons}")
        check(h["dlq"]["count"] == len(entries), f"/healthz dlq {h['dlq']} != {len(entries)}")
        print("bad input:", json.dumps(hooks["rejected_by_reason"]), "http:",
              json.dumps(h["ingest"]["http"]))
    finish("hooks_bad_input")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Bad input never stops an import: malformed JSON, binary garbage, unknown line types,
empty and unreadable files, a truncated last line. Each is counted, listed with file and
line under --verbose, and a later run picks up the completed line."""
import argparse
import json
import os

from common import Runner, check, finish


def assistant(msg_id, out, ts="2026-03-05T10:00:00.000Z", session="s-bad-1"):
    return json.dumps({
        "parentUuid": None, "isSidechain": False, "sessionId": session, "cwd": "/w/p",
        "message": {"id": msg_id, "model": "claude-sonnet-4-5-20250929", "role": "assistant",
                    "content": [{"type": "text", "text": "hi"}],
                    "usage": {"input_tokens": 10, "output_tokens": out,
                              "cache_creation_input_tokens": 100, "cache_read_input_tokens": 1000,
                              "cache_creation": {"ephemeral_5m_input_tokens": 60,
                                                 "ephemeral_1h_input_tokens": 40}}},
        "requestId": "req_" + msg_id, "type": "assistant", "uuid": "u-" + msg_id + str(out),
        "timestamp": ts}, separators=(",", ":"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    a = ap.parse_args()
    r = Runner(a.bin)
    try:
        proj = os.path.join(r.tmp.name, "projects", "-w-p")
        os.makedirs(proj)
        lines = [
            assistant("msg_a", 5),
            "",  # blank: not an error
            '{"type":"assistant","message":{"id":"msg_torn"',  # line 3: torn JSON
            "not json at all",  # line 4
            '{"type":"some-future-type","payload":{"x":1}}',  # unknown type: fine
            assistant("msg_a", 50),  # final snapshot of msg_a
            '{"type":"assistant","message":{"id":"msg_x","usage":{"input_tokens":1}} trailing}',  # line 7
        ]
        with open(os.path.join(proj, "s-bad-1.jsonl"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(proj, "garbage.jsonl"), "wb") as f:
            f.write(b"\x00\x01\xff\xfe{\x89PNG\r\n" + os.urandom(2000).replace(b"\n", b"x") + b"\n")
        open(os.path.join(proj, "empty.jsonl"), "w").close()
        # Opens fine, but every read fails (EIO): an unreadable file even for root.
        os.symlink("/proc/self/mem", os.path.join(proj, "unreadable.jsonl"))
        tail_path = os.path.join(proj, "s-bad-2.jsonl")
        tail_line = assistant("msg_tail", 7, session="s-bad-2")
        with open(tail_path, "w", encoding="utf-8") as f:
            f.write(assistant("msg_b", 3, session="s-bad-2") + "\n" + tail_line[:40])

        p = r.run("import", os.path.join(r.tmp.name, "projects"), "--verbose")
        err = p.stderr
        for needle in ("s-bad-1.jsonl:3: malformed", "s-bad-1.jsonl:4: malformed",
                       "s-bad-1.jsonl:7: malformed", "garbage.jsonl:1: malformed",
                       "garbage.jsonl:2: malformed",
                       "unreadable.jsonl:0: unreadable", "s-bad-2.jsonl:2: incomplete"):
            check(needle in err, f"--verbose should list '{needle}'; stderr was:\n{err}")
        rep = r.report("daily")
        t = rep["totals"]
        check(t["messages"] == 2, f"two responses expected, got {t['messages']}")
        check(t["output_tokens"] == 53, f"msg_a keeps its final snapshot (50) + msg_b 3: {t}")
        check(t["cache_write_1h_tokens"] == 80 and t["cache_write_5m_tokens"] == 120,
              f"cache writes kept apart: {t}")
        s = rep["skipped"]
        # s-bad-1 lines 3, 4, 7 and both lines of garbage.jsonl (its bytes hold one newline)
        check(s["malformed_lines"] == 5, f"5 malformed lines: {s}")
        check(s["files_unreadable"] == 1, f"1 unreadable file: {s}")
        check(s["incomplete_lines"] == 1, f"1 incomplete line: {s}")

        # The writer finishes the line: the next run picks it up, and only it.
        with open(tail_path, "a", encoding="utf-8") as f:
            f.write(tail_line[40:] + "\n")
        r.run("import", os.path.join(r.tmp.name, "projects"))
        rep = r.report("daily")
        check(rep["totals"]["messages"] == 3, f"completed line imported: {rep['totals']}")
        check(rep["totals"]["output_tokens"] == 60, f"tail response counted once: {rep['totals']}")
        check(rep["skipped"]["incomplete_lines"] == 0, f"no incomplete line left: {rep['skipped']}")
        check(rep["skipped"]["malformed_lines"] == 5, f"malformed count stable: {rep['skipped']}")

        # The unreadable file goes away: so does its error; the other counts stay.
        os.unlink(os.path.join(proj, "unreadable.jsonl"))
        r.run("import", os.path.join(r.tmp.name, "projects"))
        rep = r.report("daily")
        check(rep["skipped"]["files_unreadable"] == 0, f"vanished file forgotten: {rep['skipped']}")
        check(rep["skipped"]["malformed_lines"] == 5, f"other counts kept: {rep['skipped']}")
        check(rep["totals"]["messages"] == 3, f"no call lost: {rep['totals']}")

        # A path that does not exist is a clear error, not a crash.
        p = r.run("import", os.path.join(r.tmp.name, "nope"), check=False)
        check(p.returncode == 1 and "no such file" in p.stderr,
              f"missing path: rc={p.returncode} stderr={p.stderr}")
        # Bad flags are usage errors with a message.
        p = r.run("report", "daily", "--tz", "Mars/Olympus", check=False)
        check(p.returncode == 2 and "unknown time zone" in p.stderr, f"bad tz: {p.stderr}")
        p = r.run("report", "daily", "--since", "2026-13-45", check=False)
        check(p.returncode == 2 and "--since" in p.stderr, f"bad date: {p.stderr}")
    finally:
        r.close()
    finish("bad input")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Incremental import: a re-run reads only new bytes, and handles appends, truncation,
rotation (a new file at the same path) and copies (resumed sessions) without double counting."""
import argparse
import json
import os
import shutil

from common import Runner, check, finish


def totals(r):
    return r.report("daily")["totals"]


def last_assistant_line(path):
    last = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.endswith("\n") and '"type":"assistant"' in line:
                try:
                    d = json.loads(line)
                except ValueError:
                    continue
                if d.get("message", {}).get("model") != "<synthetic>":
                    last = d
    return last


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--generator", required=True)
    a = ap.parse_args()
    r = Runner(a.bin)
    try:
        corpus = r.generate_corpus(a.generator, seed=21, sessions=10)
        expected = json.load(open(os.path.join(corpus, "expected.json")))
        projects = os.path.join(corpus, "projects")
        r.run("import", projects)
        base = totals(r)
        check(base["messages"] == expected["totals"]["messages"],
              f"first import: {base['messages']} != {expected['totals']['messages']}")

        # Unchanged files: nothing re-read.
        p = r.run("import", projects, "--verbose")
        check("0 files" in p.stderr or "from 1 files" in p.stderr,
              f"re-run should read at most the file still being written: {p.stderr}")
        check(totals(r) == base, "re-run changed totals")

        # Append a new response to a complete session file.
        files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(projects) for f in fs
                       if f.endswith(".jsonl") and "subagents" not in dp)
        target = next(f for f in files if open(f, "rb").read().endswith(b"\n"))
        d = last_assistant_line(target)
        d["message"]["id"] = "msg_incremental_1"
        d["requestId"] = "req_incremental_1"
        d["message"]["usage"]["output_tokens"] = 1234
        with open(target, "a", encoding="utf-8") as f:
            f.write(json.dumps(d, separators=(",", ":")) + "\n")
        r.run("import", projects)
        after = totals(r)
        check(after["messages"] == base["messages"] + 1, "appended response counted once")
        check(after["output_tokens"] == base["output_tokens"] + 1234, "appended output counted")

        # A resumed session copies lines into a new file: nothing new is counted.
        proj_dir = os.path.dirname(target)
        shutil.copy(target, os.path.join(proj_dir, "copied-resume-session.jsonl"))
        r.run("import", projects)
        check(totals(r) == after, "copied (resumed) lines must not be counted again")

        # Rotation: the same path now holds different bytes (and inode): re-read, no loss.
        rotated = target + ".new"
        with open(target, encoding="utf-8") as src, open(rotated, "w", encoding="utf-8") as dst:
            dst.write(src.read())
        os.replace(rotated, target)
        r.run("import", projects)
        check(totals(r) == after, "rotated file re-read without double counting")

        # Truncation to a shorter file: re-read from the start; history stays in the store.
        with open(target, "r+", encoding="utf-8") as f:
            f.truncate(100)
        r.run("import", projects)
        check(totals(r) == after, "history is kept when a transcript shrinks")
        check(totals(r)["messages"] == after["messages"], "truncated file does not lose events")

        # --full re-reads everything and changes nothing.
        r.run("import", projects, "--full")
        check(totals(r) == after, "--full is idempotent")
    finally:
        r.close()
    finish("incremental")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Output snapshots: every report kind in every format (table, CSV, JSON) on a small corpus
from the generator, compared byte for byte with tests/fixtures/golden/. A change in what a
user sees must show up here; refresh deliberately with --update and review the diff."""
import argparse
import difflib
import os
import tempfile

from common import Runner, check, finish

KINDS = ["daily", "monthly", "session", "project", "model", "blocks"]
FORMATS = {"table": [], "csv": ["--csv"], "json": ["--json"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--generator", required=True)
    ap.add_argument("--golden", required=True)
    ap.add_argument("--update", action="store_true", help="rewrite the snapshots")
    a = ap.parse_args()
    r = Runner(a.bin)
    try:
        corpus = r.generate_corpus(a.generator, seed=4, sessions=8)
        r.run("import", os.path.join(corpus, "projects"))
        outputs = {}
        for kind in KINDS:
            for fmt, flags in FORMATS.items():
                p = r.run("report", kind, "--tz", "UTC", *flags)
                text = p.stdout + ("--- stderr\n" + p.stderr if p.stderr else "")
                outputs[f"{kind}.{fmt}"] = text.replace(r.tmp.name, "<tmp>")
        for fmt, flags in FORMATS.items():
            p = r.run("report", "daily", "--tz", "UTC", "--breakdown", *flags)
            outputs[f"daily-breakdown.{fmt}"] = p.stdout
        p = r.run("report", "daily", "--tz", "Asia/Kolkata", "--since", "2026-03-10",
                  "--until", "2026-03-31")
        outputs["daily-kolkata-range.table"] = p.stdout
        for name, text in outputs.items():
            path = os.path.join(a.golden, name + ".txt")
            if a.update:
                os.makedirs(a.golden, exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                continue
            if not os.path.exists(path):
                check(False, f"missing snapshot {path} (run with --update)")
                continue
            want = open(path, encoding="utf-8").read()
            if want != text:
                diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True),
                                                    "golden/" + name, "now/" + name, n=1))
                check(False, f"{name} differs from its snapshot:\n{diff[:3000]}")
        if a.update:
            print(f"wrote {len(outputs)} snapshots to {a.golden}")
    finally:
        r.close()
    finish("golden")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Check agent-trace reports against a synthetic corpus's expected.json.

Usage:
  tools/check_expected.py --bin build/agent-trace --corpus DIR [--corpus DIR2 ...]
  tools/check_expected.py --bin build/agent-trace --generate 1:sessions=12 --generate 2:1MB
  tools/check_expected.py ... --incremental-check      # also re-import and require identical reports

DIR holds expected.json and projects/ (as written by tools/corpus/gen_transcripts.py).
For each corpus: a fresh data dir (temporary unless --data-dir), one
`agent-trace --data-dir D import DIR/projects`, then
`report daily|monthly|session|model|project --json --tz UTC` and
`report daily --json --tz Asia/Tokyo|Asia/Kolkata`, each compared row by row
(both ways), field by field (tokens exactly, cost within 1e-6), plus totals and
unpriced models.

--generate SEED:SIZE  generates a corpus into a temporary directory
(SIZE is e.g. `1MB`, `200MB`, `1GB` or `sessions=12`), checks it, deletes it.

Exit status: 0 when everything matches, 1 on any mismatch or failed command,
2 on usage errors.  Python 3 standard library only.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GENERATOR_CANDIDATES = [
    os.path.join(REPO, "tools", "corpus", "gen_transcripts.py"),
    "/work/shared/corpus/gen_transcripts.py",
]

COST_TOL = 1e-6
MAX_SHOWN = 10
TZ_REPORTS = ("Asia/Tokyo", "Asia/Kolkata")
# (report kind, --tz, section of expected.json)
REPORTS = [
    ("daily", "UTC", ("daily",)),
    ("monthly", "UTC", ("monthly",)),
    ("session", "UTC", ("sessions",)),
    ("model", "UTC", ("models",)),
    ("project", "UTC", ("projects",)),
] + [("daily", tz, ("daily_by_timezone", tz)) for tz in TZ_REPORTS]

# expected STAT field -> function of one of our rows (None when a field is absent)
TOKEN_FIELDS = ["messages", "input_tokens", "output_tokens", "cache_creation_tokens",
                "cache_creation_1h_tokens", "cache_read_tokens", "total_tokens"]


def _get(row, *names):
    vals = [row.get(n) for n in names]
    if any(v is None for v in vals):
        return None
    return sum(vals)


OURS = {
    "messages": lambda r: _get(r, "messages"),
    "input_tokens": lambda r: _get(r, "input_tokens"),
    "output_tokens": lambda r: _get(r, "output_tokens"),
    "cache_creation_tokens": lambda r: _get(r, "cache_write_5m_tokens", "cache_write_1h_tokens"),
    "cache_creation_1h_tokens": lambda r: _get(r, "cache_write_1h_tokens"),
    "cache_read_tokens": lambda r: _get(r, "cache_read_tokens"),
    "total_tokens": lambda r: _get(r, "total_tokens"),
    "cost_usd": lambda r: r.get("cost_usd"),
}
# extra string fields compared when the expected entry has them
EXTRA_STR = {"session": ["project"], "project": ["cwd"]}


class Failure(Exception):
    pass


def log(msg=""):
    print(msg, flush=True)


def fmt_secs(t):
    return f"{t:.2f}s"


def step(label, fn, *a, quiet=False, **kw):
    t0 = time.monotonic()
    try:
        return fn(*a, **kw)
    finally:
        if not quiet:
            log(f"  [{fmt_secs(time.monotonic() - t0):>8}] {label}")


def run_cmd(argv, timeout, capture=True):
    """Run argv; return stdout text.  Raise Failure on non-zero exit/timeout."""
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE if capture else None,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure(f"timed out after {timeout}s: {' '.join(argv)}")
    except OSError as e:
        raise Failure(f"cannot run {argv[0]}: {e}")
    if p.returncode != 0:
        err = (p.stderr or b"").decode("utf-8", "replace").strip()
        out = (p.stdout or b"").decode("utf-8", "replace").strip() if capture else ""
        tail = "\n".join((err or out).splitlines()[-15:])
        raise Failure(f"exit {p.returncode}: {' '.join(argv)}\n{tail}")
    return (p.stdout or b"").decode("utf-8", "replace") if capture else ""


# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------
def num_equal(field, ours, exp):
    if ours is None or isinstance(ours, bool) or not isinstance(ours, (int, float)):
        return False
    if field.startswith("cost"):
        return math.isfinite(ours) and abs(ours - exp) <= COST_TOL
    return ours == exp and (isinstance(ours, int) or float(ours).is_integer())


def compare_stat(ours_row, exp_stat, where, out, kind=None):
    for f in OURS:
        if f not in exp_stat:
            continue
        ov = OURS[f](ours_row)
        if not num_equal(f, ov, exp_stat[f]):
            out.append((where, f, ov, exp_stat[f]))
    for f in EXTRA_STR.get(kind, []):
        if f in exp_stat and ours_row.get(f) != exp_stat[f]:
            out.append((where, f, ours_row.get(f), exp_stat[f]))


def expected_section(expected, path):
    node = expected
    for part in path:
        node = node[part]
    return node


def compare_report(kind, doc, expected, section, strict_empty=False):
    """Return (n_rows, mismatches, notes) for one report JSON document.

    An expected row with 0 messages (e.g. a resumed session all of whose responses are
    copies attributed to the earlier session) may be absent from our report unless
    strict_empty; when present it must match like any other row."""
    mism, notes = [], []
    exp_rows = expected_section(expected, section)
    if not isinstance(doc, dict) or not isinstance(doc.get("rows"), list):
        return 0, [("<document>", "rows", type(doc.get("rows") if isinstance(doc, dict) else doc).__name__,
                    "list")], notes
    if doc.get("report") not in (None, kind):
        mism.append(("<document>", "report", doc.get("report"), kind))
    ours = {}
    for row in doc["rows"]:
        key = row.get("key") if isinstance(row, dict) else None
        if key is None:
            mism.append(("<row>", "key", None, "a key"))
            continue
        if key in ours:
            mism.append((key, "<duplicate row>", "present twice", "once"))
            continue
        ours[key] = row
    for key in sorted(set(exp_rows) - set(ours)):
        if exp_rows[key].get("messages") == 0 and not strict_empty:
            notes.append(key)
        else:
            mism.append((key, "<row>", "missing", "present"))
    for key in sorted(set(ours) - set(exp_rows)):
        mism.append((key, "<row>", "extra", "absent"))
    for key in sorted(set(ours) & set(exp_rows)):
        compare_stat(ours[key], exp_rows[key], key, mism, kind)
    totals = doc.get("totals")
    if not isinstance(totals, dict):
        mism.append(("<totals>", "totals", totals, "object"))
    else:
        compare_stat(totals, expected["totals"], "<totals>", mism)
    compare_unpriced(doc, expected, mism)
    return len(doc["rows"]), mism, notes


def compare_unpriced(doc, expected, mism):
    exp = expected.get("unknown_models", {})
    got = doc.get("unpriced_models")
    if not isinstance(got, list):
        mism.append(("<unpriced_models>", "unpriced_models", got, sorted(exp)))
        return
    ours = {}
    for u in got:
        m = u.get("model") if isinstance(u, dict) else None
        if m in ours:
            mism.append((f"<unpriced {m}>", "<duplicate>", "present twice", "once"))
        ours[m] = u
    for m in sorted(set(exp) - set(ours), key=str):
        mism.append((f"<unpriced {m}>", "<model>", "missing", "present"))
    for m in sorted(set(ours) - set(exp), key=str):
        mism.append((f"<unpriced {m}>", "<model>", "extra", "absent"))
    for m in sorted(set(ours) & set(exp), key=str):
        for ofield, efield in (("tokens", "total_tokens"), ("messages", "messages")):
            if not num_equal(efield, ours[m].get(ofield), exp[m][efield]):
                mism.append((f"<unpriced {m}>", ofield, ours[m].get(ofield), exp[m][efield]))


def compare_docs(a, b):
    """Differences between two report documents of the same kind (re-import check)."""
    diffs = []
    ra = {r.get("key"): r for r in a.get("rows", [])}
    rb = {r.get("key"): r for r in b.get("rows", [])}
    for k in sorted(set(ra) ^ set(rb), key=str):
        diffs.append((k, "<row>", "present" if k in rb else "missing", "present" if k in ra else "absent"))
    pairs = [(k, ra[k], rb[k]) for k in sorted(set(ra) & set(rb), key=str)]
    pairs.append(("<totals>", a.get("totals") or {}, b.get("totals") or {}))
    for k, x, y in pairs:
        for f in sorted(set(x) | set(y)):
            xv, yv = x.get(f), y.get(f)
            if isinstance(xv, float) or isinstance(yv, float):
                if not (isinstance(xv, (int, float)) and isinstance(yv, (int, float))
                        and abs(xv - yv) <= COST_TOL):
                    diffs.append((k, f, yv, xv))
            elif xv != yv:
                diffs.append((k, f, yv, xv))
    ua = sorted(json.dumps(u, sort_keys=True) for u in a.get("unpriced_models") or [])
    ub = sorted(json.dumps(u, sort_keys=True) for u in b.get("unpriced_models") or [])
    if ua != ub:
        diffs.append(("<unpriced_models>", "unpriced_models", ub, ua))
    return diffs


def show_mismatches(mism, ours_label="ours", exp_label="expected"):
    for key, field, ov, ev in mism[:MAX_SHOWN]:
        log(f"      {key} {field}: {ours_label}={short(ov)} {exp_label}={short(ev)}")
    if len(mism) > MAX_SHOWN:
        log(f"      ... and {len(mism) - MAX_SHOWN} more")


def short(v):
    s = json.dumps(v) if not isinstance(v, str) else v
    return s if len(s) <= 120 else s[:117] + "..."


# ---------------------------------------------------------------------------
# One corpus
# ---------------------------------------------------------------------------
class Checker:
    def __init__(self, args):
        self.args = args

    def base(self, data_dir):
        return [self.args.bin, "--data-dir", data_dir]

    def do_import(self, data_dir, projects):
        argv = self.base(data_dir) + ["import", projects]
        if self.args.threads:
            argv += ["--threads", str(self.args.threads)]
        out = run_cmd(argv, self.args.timeout)
        if self.args.verbose and out.strip():
            log("\n".join("      | " + line for line in out.strip().splitlines()[-10:]))

    def report(self, data_dir, kind, tz):
        argv = self.base(data_dir) + ["report", kind, "--json", "--tz", tz]
        out = run_cmd(argv, self.args.timeout)
        try:
            return json.loads(out)
        except json.JSONDecodeError as e:
            raise Failure(f"report {kind} --tz {tz}: invalid JSON ({e}); first bytes: {out[:200]!r}")

    def run_reports(self, data_dir, expected, phase, quiet=False):
        """Run every report and compare with expected; return (ok, {label: doc}).
        quiet: print failures only (used for the re-import pass)."""
        ok, docs = True, {}
        for kind, tz, section in REPORTS:
            label = kind if tz == "UTC" else f"{kind} --tz {tz}"
            try:
                doc = step(f"{phase}report {label}", self.report, data_dir, kind, tz, quiet=quiet)
            except Failure as e:
                log(f"FAIL {phase}{label}: {e}")
                ok = False
                continue
            docs[label] = doc
            n, mism, notes = compare_report(kind, doc, expected, section, self.args.strict_empty)
            if notes and not quiet:
                log(f"  note {label}: {len(notes)} expected row(s) with 0 messages absent (allowed; "
                    f"--strict-empty fails them): {', '.join(notes[:3])}{' ...' if len(notes) > 3 else ''}")
            if mism:
                ok = False
                log(f"FAIL {phase}{label}: {n} rows, {len(mism)} mismatches "
                    f"(expected {len(expected_section(expected, section))} rows)")
                show_mismatches(mism)
            elif not quiet:
                log(f"OK {label}: {n} rows")
        if quiet:
            return ok, docs
        if "daily" in docs and isinstance(docs["daily"].get("skipped"), dict):
            sk = docs["daily"]["skipped"]
            lc = expected.get("line_counters", {})
            log("  skipped (info): " + ", ".join(f"{k}={v}" for k, v in sk.items())
                + f" | generator: malformed_lines={lc.get('malformed_lines')}"
                  f" truncated_tail_lines={lc.get('truncated_tail_lines')}")
        return ok, docs

    def check_corpus(self, corpus, data_dir):
        exp_path = os.path.join(corpus, "expected.json")
        projects = os.path.join(corpus, "projects")
        if not os.path.isfile(exp_path) or not os.path.isdir(projects):
            log(f"FAIL {corpus}: needs expected.json and projects/")
            return False
        with open(exp_path, encoding="utf-8") as f:
            expected = json.load(f)
        g = expected.get("generator", {})
        log(f"== corpus {corpus} (seed {g.get('seed')}, {g.get('sessions')} sessions, {g.get('files')} files, "
            f"{(g.get('bytes') or 0) / 1e6:.1f} MB, {expected['totals']['messages']} responses)")
        log(f"   data dir {data_dir}")
        try:
            step("import", self.do_import, data_dir, projects)
        except Failure as e:
            log(f"FAIL import: {e}")
            return False
        ok, docs = self.run_reports(data_dir, expected, "")
        if self.args.incremental_check:
            log("-- incremental check: re-import the unchanged corpus")
            try:
                step("re-import", self.do_import, data_dir, projects)
            except Failure as e:
                log(f"FAIL re-import: {e}")
                return False
            t0 = time.monotonic()
            ok2, docs2 = self.run_reports(data_dir, expected, "re-import ", quiet=True)
            for label, doc in docs.items():
                if label not in docs2:
                    continue
                diffs = compare_docs(doc, docs2[label])
                if diffs:
                    ok2 = False
                    log(f"FAIL re-import changed {label}: {len(diffs)} differences")
                    show_mismatches(diffs, "after", "before")
            log(f"  [{fmt_secs(time.monotonic() - t0):>8}] {len(REPORTS)} reports after re-import")
            if ok2:
                log(f"OK re-import: all {len(REPORTS)} reports unchanged and still match expected.json")
            ok = ok and ok2
        return ok


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------
def find_generator(explicit):
    if explicit:
        return explicit
    for c in GENERATOR_CANDIDATES:
        if os.path.isfile(c) and os.path.isfile(os.path.join(os.path.dirname(c), "pricing.json")):
            return c
    for c in GENERATOR_CANDIDATES:
        if os.path.isfile(c):
            return c
    raise Failure("gen_transcripts.py not found in " + ", ".join(GENERATOR_CANDIDATES))


def parse_generate(spec):
    try:
        seed_s, size = spec.split(":", 1)
        seed = int(seed_s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--generate wants SEED:SIZE (e.g. 1:1MB or 1:sessions=12), got {spec!r}")
    if size.startswith("sessions="):
        n = size.split("=", 1)[1]
        if not n.isdigit():
            raise argparse.ArgumentTypeError(f"bad sessions count in {spec!r}")
        return seed, ["--sessions", n], spec
    if not size or not (size[0].isdigit() or size[0] == "."):
        raise argparse.ArgumentTypeError(f"bad size in {spec!r}")
    return seed, ["--size", size], spec


def generate(generator, seed, size_args, out_dir, jobs, timeout):
    argv = [sys.executable, generator, "--out", out_dir, "--seed", str(seed), "--jobs", str(jobs)] + size_args
    out = run_cmd(argv, timeout)
    if out.strip():
        log("      " + out.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "agent-trace"),
                    help="agent-trace binary (default: build/agent-trace of this repo)")
    ap.add_argument("--corpus", action="append", default=[], metavar="DIR",
                    help="corpus directory with expected.json and projects/ (repeatable)")
    ap.add_argument("--generate", action="append", default=[], type=parse_generate, metavar="SEED:SIZE",
                    help="generate a temporary corpus, check it, delete it (repeatable); "
                         "SIZE: 1MB, 200MB, 1GB or sessions=N")
    ap.add_argument("--generator", help="path of gen_transcripts.py (default: tools/corpus/, then "
                                        "/work/shared/corpus/)")
    ap.add_argument("--jobs", type=int, default=2, help="generator worker processes (default 2)")
    ap.add_argument("--data-dir", help="data dir to use instead of a temporary one (must be new or empty; "
                                       "with several corpora, one subdirectory per corpus)")
    ap.add_argument("--keep", action="store_true", help="keep temporary data dirs and generated corpora")
    ap.add_argument("--incremental-check", action="store_true",
                    help="after the check, re-import the same corpus and require unchanged reports")
    ap.add_argument("--strict-empty", action="store_true",
                    help="fail when an expected row with 0 messages is absent from our report "
                         "(default: allowed, printed as a note)")
    ap.add_argument("--threads", type=int, help="pass --threads N to import")
    ap.add_argument("--timeout", type=int, default=1800, help="timeout per command in seconds (default 1800)")
    ap.add_argument("--verbose", action="store_true", help="show the tail of import's output")
    args = ap.parse_args(argv)

    if not args.corpus and not args.generate:
        ap.error("give --corpus DIR and/or --generate SEED:SIZE")
    args.bin = os.path.abspath(args.bin)
    if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
        log(f"FAIL: binary {args.bin} not found or not executable")
        return 1

    jobs = [("corpus", os.path.abspath(c), None) for c in args.corpus]
    jobs += [("generate", seed, size_args) for seed, size_args, _ in args.generate]
    checker = Checker(args)
    results = []
    temp_dirs = []
    t_all = time.monotonic()
    try:
        if args.data_dir:
            os.makedirs(args.data_dir, exist_ok=True)
            if os.listdir(args.data_dir):
                log(f"FAIL: --data-dir {args.data_dir} is not empty (the check needs a fresh store)")
                return 1
        for i, (what, a, b) in enumerate(jobs):
            label = a if what == "corpus" else f"generate {a}:{b[1] if b[0] == '--size' else 'sessions=' + b[1]}"
            ok = False
            try:
                if what == "generate":
                    gdir = tempfile.mkdtemp(prefix=f"agent-trace-corpus-{a}-")
                    temp_dirs.append(gdir)
                    gen = find_generator(args.generator)
                    log(f"== generating seed {a} {' '.join(b)} with {gen}")
                    step("generate", generate, gen, a, b, gdir, args.jobs, args.timeout)
                    corpus = gdir
                else:
                    corpus = a
                if args.data_dir:
                    data_dir = os.path.abspath(args.data_dir if len(jobs) == 1
                                               else os.path.join(args.data_dir, f"corpus-{i + 1}"))
                    os.makedirs(data_dir, exist_ok=True)
                else:
                    data_dir = tempfile.mkdtemp(prefix="agent-trace-check-")
                    temp_dirs.append(data_dir)
                ok = checker.check_corpus(corpus, data_dir)
            except Failure as e:
                log(f"FAIL {label}: {e}")
            results.append((label, ok))
    except KeyboardInterrupt:
        log("interrupted")
        results.append(("interrupted", False))
    finally:
        for d in temp_dirs:
            if args.keep:
                log(f"kept {d}")
            else:
                shutil.rmtree(d, ignore_errors=True)

    log("")
    log(f"== summary ({fmt_secs(time.monotonic() - t_all)})")
    for label, ok in results:
        log(f"{'OK  ' if ok else 'FAIL'} {label}")
    return 0 if results and all(ok for _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())

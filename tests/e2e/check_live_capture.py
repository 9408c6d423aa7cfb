"""Live capture end to end with the real Claude Code CLI.

For each scenario of the harness, Claude Code runs against the scripted fake API
with every hook event wired to the built `agent-trace hook-handler`, which posts to
a real `agent-trace serve` on a free loopback port. Then:
  * every hook invocation is stored exactly once: per event name and session the
    stored counts equal those of the capture run of the same scenario
    (tests/fixtures/captures/<scenario>/hooks.jsonl, recorded by the harness' own hook);
  * the hook never wrote to stdout (Claude Code would feed it to the model);
  * the session is complete without a manual `import`: serve imported the
    transcript when the session ended, and its usage report equals a fresh
    `agent-trace import` of the same transcript files.
Once more for `basic` with the server down during the run: every hook spools, and a
`serve` started afterwards drains the spool to the same result.
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import Runner, check, finish  # noqa: E402
from serve_support import Server, db_query, hook_events, run_harness_scenario  # noqa: E402


def capture_counts(capture_dir: str):
    counts = collections.Counter()
    sessions = set()
    with open(os.path.join(capture_dir, "hooks.jsonl")) as f:
        for line in f:
            payload = json.loads(line)["payload"]
            counts[payload["hook_event_name"]] += 1
            sessions.add(payload["session_id"])
    return counts, sessions


def usage_by_session(runner_or_dir, binary, home):
    env = dict(os.environ, HOME=home, TZ="UTC")
    env.pop("CLAUDE_CONFIG_DIR", None)
    proc = subprocess.run([binary, "--data-dir", runner_or_dir, "report", "session", "--json",
                           "--tz", "UTC"], capture_output=True, text=True, env=env, timeout=120)
    if proc.returncode != 0:
        return None
    data = json.loads(proc.stdout)
    if not data.get("rows"):
        return None
    return {"rows": {row["key"]: row for row in data["rows"]}, "totals": data.get("totals")}


def dead_port_url() -> str:
    """A loopback URL nothing listens on (bound, read, closed)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def run_scenario(args, scenario: str, offline: bool = False):
    """offline: the server is down while Claude Code runs (every hook spools) and is
    started afterwards, so everything arrives through the spool."""
    tmp = tempfile.mkdtemp(prefix=f"agent-trace-live-{scenario}-")
    server = None
    try:
        home = os.path.join(tmp, "home")
        data = os.path.join(tmp, "data")
        work_tmp = os.path.join(tmp, "work")
        os.makedirs(home)
        os.makedirs(work_tmp)
        server = Server(args.bin, data, home, "--no-import")
        hooks_url = dead_port_url() if offline else server.start().url
        outdir = os.path.join(tmp, "out")
        # Claude Code runs `<HOOK_COMMAND> <EventName>`. A one-line shell wrapper notes
        # each invocation in a witness file, then execs the real hook-handler with the
        # same stdin: an exact record of what this run invoked, to compare with the store.
        witness = os.path.join(tmp, "invocations.txt")
        wrapper = os.path.join(tmp, "hook.sh")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\n"
                    f"printf '%s\\n' \"${{1:-?}}\" >> '{witness}'\n"
                    f"exec '{args.bin}' hook-handler --server {hooks_url} "
                    f"--data-dir '{data}' \"$@\"\n")
        os.chmod(wrapper, 0o755)
        hook_cmd = wrapper
        if not run_harness_scenario(args.harness, scenario, outdir, scenario,
                                    HOOK_COMMAND=hook_cmd, NORMALIZE_PATHS="0", KEEP_WORK="1",
                                    TMPDIR=work_tmp):
            return
        expected, capture_sessions = capture_counts(os.path.join(args.captures, scenario))
        if offline:
            spooled = sum(1 for _ in open(os.path.join(data, "spool", "hooks.spool")))
            with open(witness) as f:
                check(spooled == sum(1 for line in f if line.strip()),
                      f"{scenario} offline: {spooled} spooled records != invocations")
            server.start()
            scenario = scenario + " (server down, then spool)"

        def stored_counts():
            return collections.Counter(name for name, _, _ in hook_events(data))

        # Acknowledged before the hook returned; stored by the writer shortly after.
        with open(witness) as f:
            invoked = collections.Counter(line.strip() for line in f if line.strip())
        server.wait_for(lambda: stored_counts() == invoked, 10)
        stored = stored_counts()
        check(stored == invoked,
              f"{scenario}: stored hook events {dict(stored)} != invocations {dict(invoked)}")
        # FileChanged comes from a file watcher and fires 0-2 times per run; every other
        # event must match the capture run of the same scenario.
        timing_dependent = {"FileChanged"}
        stable = {k: v for k, v in invoked.items() if k not in timing_dependent}
        want_stable = {k: v for k, v in expected.items() if k not in timing_dependent}
        check(stable == want_stable,
              f"{scenario}: invocations {stable} != capture run {want_stable}")
        sessions = {s for _, s, _ in hook_events(data)}
        check(len(sessions) == len(capture_sessions),
              f"{scenario}: {len(sessions)} sessions in hooks, capture run had "
              f"{len(capture_sessions)}")
        ids = [i for _, _, i in hook_events(data)]
        check(len(ids) == len(set(ids)), f"{scenario}: duplicate event ids")

        # Hooks must stay silent on stdout: Claude Code reports what each printed.
        for name in sorted(os.listdir(outdir)):
            if not (name.startswith("stdout.") and name.endswith(".jsonl")):
                continue
            with open(os.path.join(outdir, name)) as f:
                for line in f:
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        continue
                    if rec.get("subtype") == "hook_response":
                        check(rec.get("stdout", "") == "" and rec.get("exit_code") == 0,
                              f"{scenario}: hook {rec.get('hook_name')} printed "
                              f"{rec.get('stdout')!r} / exit {rec.get('exit_code')}")

        # The transcript was imported by serve itself; compare with a fresh import.
        fresh = os.path.join(tmp, "fresh")
        subprocess.run([args.bin, "--data-dir", fresh, "import", "--quiet",
                        os.path.join(outdir, "transcripts")], check=True, capture_output=True,
                       env=dict(os.environ, HOME=home), timeout=120)
        want = usage_by_session(fresh, args.bin, home)
        check(bool(want), f"{scenario}: the fresh import found no usage")
        got = None

        def complete():
            nonlocal got
            got = usage_by_session(data, args.bin, home)
            return got == want

        server.wait_for(complete, 20, 0.25)
        check(got == want, f"{scenario}: serve's own import {got} != fresh import {want}")
        health = server.health()
        check(health["spool"]["pending_records"] == 0,
              f"{scenario}: spool not empty: {health['spool']}")
        check(health["ingest"]["hooks"]["rejected"] == 0,
              f"{scenario}: rejected hooks: {health['ingest']['hooks']}")
        check(health["imports"]["errors"] == 0, f"{scenario}: import errors {health['imports']}")
        print(f"{scenario}: {sum(stored.values())} hook events stored once each, "
              f"{len(want['rows'])} session(s) complete")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--harness", required=True)
    parser.add_argument("--captures", required=True)
    parser.add_argument("--scenarios", default="basic,tool-failure,subagent,resume,"
                                               "edit-and-commit,two-models")
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)  # hooks run in the scenario's repo, not here
    for scenario in args.scenarios.split(","):
        run_scenario(args, scenario)
    run_scenario(args, "basic", offline=True)
    finish("live_capture")


if __name__ == "__main__":
    main()

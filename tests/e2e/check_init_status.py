#!/usr/bin/env python3
"""`agent-trace init` and `agent-trace status` against a real `agent-trace serve`.

init wires a throwaway Claude Code config dir to a server on a free port; the hook
command it wrote is then run exactly as Claude Code runs it (`sh -c COMMAND`, the
payload of a real capture on stdin) and status must see the event arrive. With the
server stopped (by PID), status must fail, still show local facts, and count the
event the hook command spooled meanwhile. Uninstall must leave nothing behind.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, fail, finish  # noqa: E402
from serve_support import Server  # noqa: E402


def first_payload(captures: str, event: str) -> str:
    with open(os.path.join(captures, "basic", "hooks.jsonl")) as f:
        for line in f:
            record = json.loads(line)
            if record["event"] == event:
                return json.dumps(record["payload"])
    fail(f"no {event} payload in the basic capture")
    return ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--captures", required=True)
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)

    tmp = tempfile.TemporaryDirectory(prefix="agent-trace-init-")
    root = tmp.name
    home, claude, config, data, project = (os.path.join(root, d) for d in
                                           ("home", "claude", "config", "data", "project"))
    for d in (home, project):
        os.makedirs(d)
    env = dict(os.environ, HOME=home, CLAUDE_CONFIG_DIR=claude, AGENT_TRACE_CONFIG_DIR=config,
               AGENT_TRACE_DATA_DIR=data, TZ="UTC")
    settings = os.path.join(claude, "settings.json")

    def run(*argv, stdin_text=None):
        return subprocess.run([args.bin, *argv], capture_output=True, text=True, env=env,
                              cwd=project, timeout=120, input=stdin_text,
                              stdin=None if stdin_text is not None else subprocess.DEVNULL)

    def status_json(url):
        proc = run("status", "--json", "--server", url)
        try:
            return proc.returncode, json.loads(proc.stdout)
        except ValueError:
            fail(f"status --json printed no JSON: {proc.stdout!r} {proc.stderr!r}")
            return proc.returncode, {}

    def hook_sources(report):
        return {s["source"]: s for s in report.get("store", {}).get("sources", [])}

    server = Server(args.bin, data, home, "--no-import").start()
    try:
        proc = run("init", "--server", server.url, "--yes")
        check(proc.returncode == 0, f"init exited {proc.returncode}: {proc.stderr}")
        check(f"server     up at {server.url}" in proc.stdout, f"init output: {proc.stdout}")
        check("handler    ok" in proc.stdout, f"init output: {proc.stdout}")
        with open(settings) as f:
            wired = json.load(f)
        command = wired["hooks"]["PostToolUse"][0]["hooks"][0]["command"]
        check(command.endswith(f"hook-handler --server {server.url}"), command)
        check(len(wired["hooks"]) == 32, f"{len(wired['hooks'])} events wired")

        code, report = status_json(server.url)
        check(code == 0, f"status exited {code} with the server up: {report.get('problems')}")
        check(report.get("healthy") is True, "status not healthy with the server up")
        check(report["server"]["health"].get("status") == "ok", str(report["server"]))
        check(report["claude_code"][0]["hook_events_wired"] == 32, str(report["claude_code"][0]))

        # Exactly what Claude Code does on a tool call.
        hook = subprocess.run(["sh", "-c", command], input=first_payload(args.captures,
                                                                         "PostToolUse"),
                              capture_output=True, text=True, env=env, cwd=project, timeout=30)
        check(hook.returncode == 0 and hook.stdout == "",
              f"hook command: exit {hook.returncode} stdout {hook.stdout!r} {hook.stderr!r}")
        arrived = server.wait_for(
            lambda: hook_sources(status_json(server.url)[1]).get("hook", {}).get(
                "events_last_hour", 0) >= 1, timeout=20)
        check(arrived, "status never showed the hook event in the store")
        text = run("status", "--server", server.url)
        check(text.returncode == 0, f"status text exited {text.returncode}: {text.stdout}")
        check("OK: capture is working." in text.stdout, text.stdout)
        check("\n  hook " in text.stdout, f"no hook row in: {text.stdout}")
    finally:
        server.stop()

    # Server stopped: status fails but still reports what it can see locally.
    hook = subprocess.run(["sh", "-c", command], input=first_payload(args.captures, "Stop"),
                          capture_output=True, text=True, env=env, cwd=project, timeout=30)
    check(hook.returncode == 0 and hook.stdout == "", f"hook command with the server down: {hook}")
    code, report = status_json(server.url)
    check(code == 1, f"status exited {code} with the server down")
    check(report["server"]["reachable"] is False, str(report["server"]))
    check(report["spool"]["pending_records"] == 1, f"spool: {report['spool']}")
    check(hook_sources(report).get("hook", {}).get("events_total", 0) >= 1,
          f"store facts missing with the server down: {report['store']}")
    check(any("agent-trace serve" in p["fix"] for p in report["problems"]), str(report["problems"]))

    proc = run("init", "--uninstall", "--yes")
    check(proc.returncode == 0, f"uninstall exited {proc.returncode}: {proc.stderr}")
    check(not os.path.exists(settings), "uninstall left the settings file init had created")
    check(not os.path.exists(claude), "uninstall left the directory init had created")
    check(not os.path.exists(os.path.join(config, "init-manifest.json")), "manifest left behind")
    tmp.cleanup()
    finish("init_status")


if __name__ == "__main__":
    main()

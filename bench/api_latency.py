#!/usr/bin/env python3
"""HTTP side of bench/api_latency.sh: seeds one long session into a running
`agent-trace serve` through its real ingest endpoints, waits for the fused index,
and times the query API with a keep-alive client.

  api_latency.py seed    --port-file F --db DB --session-id S --events N --work DIR
  api_latency.py wait    --port-file F --db DB --timeout-s T [--label L]
  api_latency.py measure --port-file F --db DB --session-id S --reps N --warmup W --out J
  api_latency.py report  J

The bench script owns the serve process; nothing here starts or stops one.
Standard library only; every loop is bounded.
"""
import argparse
import http.client
import json
import math
import os
import sqlite3
import sys
import time
import urllib.parse

SEED_TARGET_MS = 5000.0  # the seed's "event to UI within 5 s"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def read_ports(port_file):
    with open(port_file) as f:
        return json.load(f)


class Client:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port; reconnects (and counts it)
    when the server closes the connection."""

    def __init__(self, port, timeout=60):
        self.port = port
        self.timeout = timeout
        self.reconnects = 0
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    self.conn.close()
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                           timeout=self.timeout)
                    self.reconnects += 1
                return resp.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if attempt:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
                self.reconnects += 1
        raise AssertionError("unreachable")

    def get_json(self, path):
        status, data = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}: {data[:300]!r}")
        return json.loads(data)

    def close(self):
        self.conn.close()


# ---------------------------------------------------------------------------- seed

class SessionBuilder:
    """A long Claude Code session as its hooks and its OTLP log export report it:
    per prompt, UserPromptSubmit (+ user_prompt log), then model calls (api_request
    logs), each followed by a tool call (PreToolUse/PostToolUse hooks + tool_decision/
    tool_result logs); every 10th prompt also runs a subagent with its own tool calls;
    a Stop hook ends each prompt. Event times are 1 s apart, ending now."""

    def __init__(self, session_id, work, target_events):
        self.sid = session_id
        self.cwd = f"{work}/bench-project"
        # A path that never exists: Stop makes serve import the transcript, which it
        # finds missing; this session has hooks and OTLP only.
        self.transcript = f"{work}/no-transcripts/{session_id}.jsonl"
        self.target = target_events
        self.hooks = []  # (ts_us, payload)
        self.logs = []   # (ts_us, name, attrs)
        self.seq = 0

    def hook(self, ts, name, **fields):
        payload = {"session_id": self.sid, "transcript_path": self.transcript,
                   "cwd": self.cwd, "hook_event_name": name}
        payload.update(fields)
        self.hooks.append((ts, payload))

    def otel(self, ts, name, **attrs):
        self.logs.append((ts, name, attrs))

    def count(self):
        return len(self.hooks) + len(self.logs)

    def build(self, end_us):
        steps = []  # closures taking ts, so times are assigned in order at the end
        prompt = 0
        while True:
            prompt += 1
            pid = f"prompt-{prompt:05d}"
            steps.append(lambda ts, pid=pid: self.hook(
                ts, "UserPromptSubmit", prompt_id=pid, permission_mode="default",
                prompt=f"benchmark prompt {pid}"))
            steps.append(lambda ts, pid=pid: self.otel(
                ts, "user_prompt", **{"prompt.id": pid, "prompt_length": "22"}))
            for call in range(5):
                rid = f"req_{prompt:05d}_{call}"
                tid = f"toolu_{prompt:05d}_{call}"
                tool = ("Bash", "Read", "Edit", "Grep", "Write")[call]
                steps.append(lambda ts, pid=pid, rid=rid: self.otel(
                    ts, "api_request", **{"prompt.id": pid, "model": "claude-sonnet-4-5-20250929",
                                          "input_tokens": 1200, "output_tokens": 300,
                                          "cache_read_tokens": 20000,
                                          "cache_creation_tokens": 800,
                                          "cache_creation_5m_tokens": 800,
                                          "cache_creation_1h_tokens": 0,
                                          "cost_usd": 0.0156, "duration_ms": 2400,
                                          "request_id": rid}))
                steps.append(lambda ts, pid=pid, tid=tid, tool=tool: self.hook(
                    ts, "PreToolUse", prompt_id=pid, tool_name=tool, tool_use_id=tid,
                    tool_input={"command": "ls"}))
                steps.append(lambda ts, pid=pid, tid=tid, tool=tool, rid=rid: self.otel(
                    ts, "tool_decision", **{"prompt.id": pid, "decision": "accept",
                                            "source": "config", "tool_name": tool,
                                            "tool_use_id": tid, "request_id": rid}))
                failed = (prompt * 5 + call) % 25 == 0  # 4% of tool calls fail
                steps.append(lambda ts, pid=pid, tid=tid, tool=tool, rid=rid, failed=failed:
                             self.otel(ts, "tool_result", **{
                                 "prompt.id": pid, "tool_name": tool, "tool_use_id": tid,
                                 "success": "false" if failed else "true",
                                 "duration_ms": "40", "request_id": rid}))
                if failed:
                    steps.append(lambda ts, pid=pid, tid=tid, tool=tool: self.hook(
                        ts, "PostToolUseFailure", prompt_id=pid, tool_name=tool,
                        tool_use_id=tid, tool_input={"command": "ls"}, error="exit code 1"))
                else:
                    steps.append(lambda ts, pid=pid, tid=tid, tool=tool: self.hook(
                        ts, "PostToolUse", prompt_id=pid, tool_name=tool, tool_use_id=tid,
                        tool_input={"command": "ls"}, tool_response={"stdout": "ok"},
                        duration_ms=40))
            if prompt % 10 == 0:
                aid = f"a{prompt:016x}"
                task = f"toolu_{prompt:05d}_agent"
                steps.append(lambda ts, pid=pid, task=task: self.hook(
                    ts, "PreToolUse", prompt_id=pid, tool_name="Agent", tool_use_id=task,
                    tool_input={"description": "sub task"}))
                steps.append(lambda ts, pid=pid, aid=aid: self.hook(
                    ts, "SubagentStart", prompt_id=pid, agent_id=aid,
                    agent_type="general-purpose"))
                for sub in range(3):
                    stid = f"toolu_{prompt:05d}_sub{sub}"
                    for name in ("PreToolUse", "PostToolUse"):
                        steps.append(lambda ts, pid=pid, aid=aid, stid=stid, name=name: self.hook(
                            ts, name, prompt_id=pid, agent_id=aid, agent_type="general-purpose",
                            tool_name="Bash", tool_use_id=stid, tool_input={"command": "wc -l"}))
                steps.append(lambda ts, pid=pid, aid=aid: self.hook(
                    ts, "SubagentStop", prompt_id=pid, agent_id=aid,
                    agent_type="general-purpose", stop_hook_active=False))
                steps.append(lambda ts, pid=pid, task=task: self.hook(
                    ts, "PostToolUse", prompt_id=pid, tool_name="Agent", tool_use_id=task,
                    tool_input={"description": "sub task"}, tool_response={"status": "completed"},
                    duration_ms=900))
            steps.append(lambda ts, pid=pid: self.hook(ts, "Stop", prompt_id=pid,
                                                       stop_hook_active=False))
            if len(steps) + 2 >= self.target:
                break
        start = end_us - (len(steps) + 2) * 1_000_000
        self.hook(start, "SessionStart", source="startup")
        for i, step in enumerate(steps):
            step(start + (i + 1) * 1_000_000)
        self.hook(end_us, "SessionEnd", reason="other")

    def hook_bodies(self, batch):
        items = [{**payload, "agent_trace": {"captured_at_us": ts, "tier": 1}}
                 for ts, payload in self.hooks]
        for i in range(0, len(items), batch):
            yield json.dumps(items[i:i + batch])

    def otlp_bodies(self, batch):
        def attr(key, value):
            if isinstance(value, bool):
                return {"key": key, "value": {"boolValue": value}}
            if isinstance(value, int):
                return {"key": key, "value": {"intValue": str(value)}}
            if isinstance(value, float):
                return {"key": key, "value": {"doubleValue": value}}
            return {"key": key, "value": {"stringValue": str(value)}}

        records = []
        for ts, name, attrs in self.logs:
            self.seq += 1
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts // 1_000_000)) + \
                f".{(ts // 1000) % 1000:03d}Z"
            common = {"user.id": "bench-user", "session.id": self.sid,
                      "terminal.type": "dumb", "event.name": name,
                      "event.timestamp": stamp, "event.sequence": self.seq}
            records.append({
                "timeUnixNano": str(ts * 1000), "observedTimeUnixNano": str(ts * 1000),
                "body": {"stringValue": f"claude_code.{name}"},
                "attributes": [attr(k, v) for k, v in {**common, **attrs}.items()]})
        resource = {"attributes": [attr("service.name", "claude-code"),
                                   attr("service.version", "2.1.332")]}
        for i in range(0, len(records), batch):
            yield json.dumps({"resourceLogs": [{"resource": resource, "scopeLogs": [{
                "scope": {"name": "com.anthropic.claude_code.events"},
                "logRecords": records[i:i + batch]}]}]})


def healthz(client):
    return client.get_json("/healthz")


def queue_depth(health):
    return health.get("queue", {}).get("depth_records", 0)


def stored_session_events(db, session_id):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return dict(con.execute("SELECT source, count(*) FROM events WHERE session_id = ? "
                                "GROUP BY source", (session_id,)).fetchall())
    finally:
        con.close()


def cmd_seed(args):
    ports = read_ports(args.port_file)
    client = Client(ports["hooks"])
    builder = SessionBuilder(args.session_id, args.work, args.events)
    builder.build(int(time.time() * 1_000_000) - 60_000_000)
    started = time.perf_counter()
    hooks_accepted = 0
    for body in builder.hook_bodies(200):
        status, data = client.request("POST", "/v1/hooks", body=body,
                                      headers={"Content-Type": "application/json"})
        reply = json.loads(data) if data else {}
        if status != 200 or reply.get("rejected"):
            raise SystemExit(f"POST /v1/hooks: HTTP {status}: {data[:300]!r}")
        hooks_accepted += reply.get("accepted", 0)
    for body in builder.otlp_bodies(500):
        status, data = client.request("POST", "/v1/logs", body=body,
                                      headers={"Content-Type": "application/json"})
        reply = json.loads(data) if data else {}
        rejected = int((reply.get("partialSuccess") or {}).get("rejectedLogRecords", 0) or 0)
        if status != 200 or rejected:
            raise SystemExit(f"POST /v1/logs: HTTP {status}: {data[:300]!r}")
    post_s = time.perf_counter() - started
    for _ in range(1200):  # the writer drains the queue into SQLite (<= 120 s)
        if queue_depth(healthz(client)) == 0:
            break
        time.sleep(0.1)
    by_source = stored_session_events(args.db, args.session_id)
    stored = sum(by_source.values())
    client.close()
    print(json.dumps({"posted": builder.count(), "hooks": len(builder.hooks),
                      "hooks_accepted": hooks_accepted,
                      "otel": len(builder.logs), "post_s": post_s, "stored": stored,
                      "stored_by_source": by_source}))
    if stored < args.min_events:
        raise SystemExit(f"session {args.session_id}: {stored} events stored, "
                         f"fewer than {args.min_events}")


# ---------------------------------------------------------------------------- wait

def db_stale_sessions(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM fused_stale").fetchone()[0]
    finally:
        con.close()


def stale_sessions(client, db):
    """The fused index's backlog: /healthz "index" when serve reports it (trusted only
    after its first pass, and confirmed by the store when it says 0), else the store's
    own count of sessions marked stale."""
    health = healthz(client)
    index = health.get("index")
    if isinstance(index, dict) and isinstance(index.get("stale"), int):
        if index.get("passes", 1) < 1:
            return max(index["stale"], 1), queue_depth(health), "healthz"
        if index["stale"] == 0:
            return db_stale_sessions(db), queue_depth(health), "healthz"
        return index["stale"], queue_depth(health), "healthz"
    return db_stale_sessions(db), queue_depth(health), "db"


def cmd_wait(args):
    ports = read_ports(args.port_file)
    client = Client(ports["hooks"])
    started = time.perf_counter()
    first = db_stale_sessions(args.db)
    last_print = started
    deadline = started + args.timeout_s
    stale = first
    while True:
        stale, depth, how = stale_sessions(client, args.db)
        now = time.perf_counter()
        if stale == 0 and depth == 0:
            break
        if now > deadline:
            client.close()
            raise SystemExit(f"{args.label}: index still has {stale} stale sessions after "
                             f"{args.timeout_s} s")
        if now - last_print >= 10:
            log(f"   {args.label}: {stale} stale sessions, queue {depth} "
                f"({now - started:.0f} s)")
            last_print = now
        time.sleep(0.05)
    client.close()
    print(json.dumps({"seconds": time.perf_counter() - started, "stale_at_start": first,
                      "source": how}))


# ---------------------------------------------------------------------------- measure

def process_cpu_s(pid):
    """User + system CPU seconds a process has used (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    k = max(0, math.ceil(q * len(sorted_values)) - 1)
    return sorted_values[k]


def corpus_window(db):
    """The last 30 days of the imported history (UTC dates), its busiest project and
    its most common model."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        (last_ts,) = con.execute(
            "SELECT max(ts) FROM events WHERE source = 'transcript'").fetchone()
        (project,) = con.execute(
            "SELECT project FROM fused_sessions GROUP BY project ORDER BY count(*) DESC "
            "LIMIT 1").fetchone()
        (model,) = con.execute(
            "SELECT primary_model FROM fused_sessions GROUP BY primary_model "
            "ORDER BY count(*) DESC LIMIT 1").fetchone()
    finally:
        con.close()
    until = time.strftime("%Y-%m-%d", time.gmtime(last_ts // 1_000_000))
    since = time.strftime("%Y-%m-%d", time.gmtime(last_ts // 1_000_000 - 29 * 86400))
    return since, until, project, model


def follow_cursor(client, path, pages, warnings):
    """The path of page `pages + 1` of a list (follows next_cursor `pages` times); the
    last page there is when the list is shorter, with a warning."""
    current = path
    for page_number in range(1, pages + 1):
        page = client.get_json(current)
        cursor = page.get("next_cursor")
        if not cursor:
            warnings.append(f"{path}: page {page_number} has {len(page.get('sessions', []))} "
                            f"rows and no next_cursor; timing that page instead of page "
                            f"{pages + 1}")
            return current
        sep = "&" if "?" in path else "?"
        current = f"{path}{sep}cursor={urllib.parse.quote(cursor, safe='')}"
    return current


def cmd_measure(args):
    ports = read_ports(args.port_file)
    if "api" not in ports:
        raise SystemExit(f"{args.port_file} has no \"api\" port: serve has no --api-listen")
    client = Client(ports["api"])
    sid = args.session_id
    since, until, project, model = corpus_window(args.db)
    q_project = urllib.parse.quote(project, safe="")
    q_model = urllib.parse.quote(model, safe="")
    warnings = []
    by_project = f"/api/v1/sessions?project={q_project}&sort=cost"
    by_model = f"/api/v1/sessions?model={q_model}&since={since}&until={until}&tz=UTC&sort=cost"
    cases = [
        # name, path, expected status, target ms (None: reference only)
        ("floor: 404 unknown session", "/api/v1/sessions/no-such-session", 404, None),
        ("sessions, default sort", "/api/v1/sessions", 200, 50),
        ("sessions, project + sort=cost", by_project, 200, 50),
        ("sessions, project + sort=cost, page 3",
         follow_cursor(client, by_project, 2, warnings), 200, 50),
        ("sessions, model + 30 days + sort=cost, page 3",
         follow_cursor(client, by_model, 2, warnings), 200, 50),
        ("sessions, has_errors + sort=cost", "/api/v1/sessions?has_errors=true&sort=cost",
         200, 50),
        ("timeline view=flat", f"/api/v1/sessions/{sid}/timeline?view=flat", 200, 50),
        ("timeline view=tree", f"/api/v1/sessions/{sid}/timeline?view=tree", 200, 50),
        ("usage by=day, all history", "/api/v1/analytics/usage?by=day&tz=UTC", 200, 200),
        (f"usage by=day, 30 days ({since}..{until})",
         f"/api/v1/analytics/usage?by=day&tz=UTC&since={since}&until={until}", 200, 200),
    ]
    # What each answer holds, checked once before timing.
    sizes = {}
    notes = {}
    for name, path, status, _ in cases:
        got, data = client.request("GET", path)
        if got != status:
            raise SystemExit(f"GET {path}: HTTP {got} (expected {status}): {data[:300]!r}")
        sizes[name] = len(data)
        if status == 200:
            doc = json.loads(data)
            if "sessions" in doc:
                notes[name] = f"{len(doc['sessions'])} rows"
            elif name.startswith("timeline"):
                notes[name] = summarize_timeline(doc)
            elif isinstance(doc.get("groups"), list):
                notes[name] = f"{len(doc['groups'])} days"
    samples = {name: [] for name, *_ in cases}
    for rep in range(args.warmup + args.reps):
        for name, path, status, _ in cases:  # round robin: neighbours' noise hits every case
            t0 = time.perf_counter_ns()
            got, _ = client.request("GET", path)
            elapsed = (time.perf_counter_ns() - t0) / 1e6
            if got != status:
                raise SystemExit(f"GET {path}: HTTP {got} during the run")
            if rep >= args.warmup:
                samples[name].append(elapsed)
    # serve's CPU time per request, case by case: less disturbed by neighbours than
    # wall time (a busy machine makes a request wait for a core, not work longer).
    cpu_ms = {}
    for name, path, _, _ in cases:
        n = 0
        cpu0, t0 = process_cpu_s(ports["pid"]), time.perf_counter()
        while n < 300 and (n < 20 or time.perf_counter() - t0 < 1.0):
            client.request("GET", path)
            n += 1
        cpu_ms[name] = (process_cpu_s(ports["pid"]) - cpu0) * 1000 / n
    results = []
    for name, path, status, target in cases:
        values = sorted(samples[name])
        results.append({"name": name, "path": path, "target_ms": target,
                        "n": len(values), "bytes": sizes[name], "note": notes.get(name, ""),
                        "p50_ms": percentile(values, 0.50), "p95_ms": percentile(values, 0.95),
                        "p99_ms": percentile(values, 0.99), "max_ms": values[-1],
                        "serve_cpu_ms": cpu_ms[name]})
    client.close()
    with open(args.out, "w") as f:
        json.dump({"reps": args.reps, "warmup": args.warmup, "reconnects": client.reconnects,
                   "warnings": warnings, "cases": results}, f, indent=1)


def summarize_timeline(doc):
    """What a timeline answer holds: the session's stored events, and its entries
    (flat) or prompts and nested nodes (tree)."""
    def nodes(value):
        if isinstance(value, list):
            return sum(nodes(v) for v in value)
        if isinstance(value, dict):
            return ("type" in value) + sum(nodes(v) for v in value.values()
                                           if isinstance(v, (list, dict)))
        return 0
    events = doc.get("session", {}).get("counts", {}).get("events", "?")
    if isinstance(doc.get("entries"), list):
        return f"session of {events} events: {len(doc['entries'])} entries"
    prompts = doc.get("prompts", [])
    entries = nodes(doc) - nodes(doc.get("session", {}))
    return f"session of {events} events: {len(prompts)} prompts, {entries} nodes"


def cmd_report(args):
    with open(args.results) as f:
        run = json.load(f)
    print(f"{'request':<48} {'p50':>8} {'p95':>8} {'p99':>8} {'CPU/req':>8} {'size':>8}  "
          f"p95 / target              p95 / 5 s")
    missed = 0
    for c in run["cases"]:
        size = f"{c['bytes'] / 1024:.0f} KiB" if c["bytes"] >= 10240 else f"{c['bytes']} B"
        line = (f"{c['name']:<48} {c['p50_ms']:>6.2f}ms {c['p95_ms']:>6.2f}ms "
                f"{c['p99_ms']:>6.2f}ms {c['serve_cpu_ms']:>6.1f}ms {size:>8}  ")
        if c["target_ms"] is None:
            line += f"{'(reference)':<25} {c['p95_ms'] / SEED_TARGET_MS:.4f}x"
        else:
            ratio = c["p95_ms"] / c["target_ms"]
            verdict = "OK" if c["p95_ms"] <= c["target_ms"] else "MISSED"
            missed += verdict == "MISSED"
            line += (f"<= {c['target_ms']:>3} ms: {ratio:.2f}x {verdict:<6}  "
                     f"{c['p95_ms'] / SEED_TARGET_MS:.4f}x")
        print(line)
        if c["note"]:
            print(f"{'':<4}({c['note']})")
    print(f"{run['reps']} timed requests per case after {run['warmup']} warm-up, round robin over "
          f"one keep-alive connection ({run['reconnects']} reconnects), client-side wall time; "
          f"CPU/req: serve's user+system CPU per request (/proc), measured separately; "
          f"ratios: p95 / target (<= 1 meets it) and p95 / 5,000 ms (seed: event to UI in 5 s)")
    for warning in run.get("warnings", []):
        print(f"warning: {warning}")
    if missed:
        print(f"{missed} target(s) MISSED")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--port-file", required=True)
    s.add_argument("--db", required=True)
    s.add_argument("--session-id", required=True)
    s.add_argument("--events", type=int, default=5200)
    s.add_argument("--min-events", type=int, default=5000)
    s.add_argument("--work", required=True)
    w = sub.add_parser("wait")
    w.add_argument("--port-file", required=True)
    w.add_argument("--db", required=True)
    w.add_argument("--timeout-s", type=float, default=1800)
    w.add_argument("--label", default="index")
    m = sub.add_parser("measure")
    m.add_argument("--port-file", required=True)
    m.add_argument("--db", required=True)
    m.add_argument("--session-id", required=True)
    m.add_argument("--reps", type=int, default=200)
    m.add_argument("--warmup", type=int, default=10)
    m.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("results")
    args = p.parse_args()
    commands = {"seed": cmd_seed, "wait": cmd_wait, "measure": cmd_measure, "report": cmd_report}
    commands[args.cmd](args)


if __name__ == "__main__":
    main()

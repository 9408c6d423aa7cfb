"""The live stream and /metrics of a real `serve` process, fed by the real
`hook-handler` with the hook events of a real Claude Code capture: every event
hook-handler delivered comes out of GET /api/v1/stream once, in order, with its
canonical kind; a client that resumes with Last-Event-ID gets exactly what it
missed; a new client with ?tail=N starts with the last N stored events; /metrics
on the API port reports what happened; the port file names the API port."""
import argparse
import http.client
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from common import check, finish  # noqa: E402
from serve_support import serving  # noqa: E402


class Stream:
    """A Server-Sent Events client on http.client (the way a script would read it)."""

    def __init__(self, port, query="", last_event_id=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", "/api/v1/stream" + query, headers=headers)
        self.response = self.conn.getresponse()
        self.comments = []

    def events(self, count):
        out, event = [], {}
        while len(out) < count:
            line = self.response.fp.readline()
            if not line:
                break
            line = line.decode().rstrip("\n")
            if line == "":
                if event:
                    out.append(event)
                event = {}
            elif line.startswith(":"):
                self.comments.append(line)
            else:
                field, _, value = line.partition(": ")
                event[field] = value
        return out

    def close(self):
        self.conn.close()


def hook_payloads(captures):
    with open(os.path.join(captures, "basic", "hooks.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def run_hook(binary, server, data_dir, home, record):
    env = dict(os.environ, HOME=home)
    proc = subprocess.run([binary, "hook-handler", "--server", server.url, "--data-dir", data_dir,
                           record["event"]], input=json.dumps(record["payload"]),
                          capture_output=True, text=True, env=env, timeout=30)
    check(proc.returncode == 0, f"hook-handler {record['event']} exited {proc.returncode}: "
                                f"{proc.stderr}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--captures", required=True)
    args = parser.parse_args()
    records = hook_payloads(args.captures)
    first, rest = records[:3], records[3:]
    with serving(args.bin, "agent-trace-stream-", "--no-import", "--no-otlp-grpc") as (server, data):
        check(server.api_port is not None and server.api_port != server.port,
              f"port file has no API port of its own: api={server.api_port}")
        with urllib.request.urlopen(server.api_url + "/healthz", timeout=10) as r:
            health = json.load(r)
        check(health["listen"]["api"] == f"127.0.0.1:{server.api_port}",
              f"healthz listen.api: {health['listen']}")
        hook_home = os.path.join(os.path.dirname(data), "home")
        edge_data = os.path.join(os.path.dirname(data), "edge")

        stream = Stream(server.api_port)
        check(stream.response.status == 200, f"stream status {stream.response.status}")
        check(stream.response.getheader("Content-Type", "").startswith("text/event-stream"),
              f"stream content type {stream.response.getheader('Content-Type')}")
        for record in first:
            run_hook(args.bin, server, edge_data, hook_home, record)
        seen = stream.events(len(first))
        stream.close()
        check(len(seen) == len(first), f"{len(seen)} of {len(first)} events on the stream")
        for record, event in zip(first, seen):
            data_json = json.loads(event["data"])
            check(data_json["session_id"] == record["payload"]["session_id"],
                  f"session of {record['event']}: {data_json.get('session_id')}")
            check(data_json["attrs"].get("hook_event_name") == record["event"],
                  f"stream order: expected {record['event']}, got {data_json['attrs']}")
            check(event["event"] == data_json["kind"], f"event field {event['event']} vs kind")

        # Missed while disconnected, then resumed.
        for record in rest:
            run_hook(args.bin, server, edge_data, hook_home, record)
        resumed = Stream(server.api_port, last_event_id=seen[-1]["id"])
        again = resumed.events(len(rest))
        names = [json.loads(e["data"])["attrs"].get("hook_event_name") for e in again]
        check(names == [r["event"] for r in rest], f"resume gave {names}")
        ids = [int(e["id"]) for e in seen + again]
        check(ids == sorted(set(ids)), f"ids not increasing or repeated: {ids}")
        resumed.close()

        # Filters: one kind only, replayed from the start.
        tools = Stream(server.api_port, "?kind=tool_start,tool_end&last_event_id=0")
        expected = [r for r in records if r["event"] in ("PreToolUse", "PostToolUse")]
        got = tools.events(len(expected))
        check([e["event"] for e in got] == ["tool_start" if r["event"] == "PreToolUse"
                                            else "tool_end" for r in expected],
              f"kind filter gave {[e['event'] for e in got]}")
        tools.close()

        # A new stream that starts with the last stored events (the Live page's ?tail=N).
        tail = Stream(server.api_port, "?tail=2")
        last_two = tail.events(2)
        names = [json.loads(e["data"])["attrs"].get("hook_event_name") for e in last_two]
        check(names == [r["event"] for r in records[-2:]], f"tail=2 gave {names}")
        check([e["id"] for e in last_two] == [e["id"] for e in again[-2:]],
              f"tail=2 ids {[e['id'] for e in last_two]}")
        tail.close()
        # An EventSource reconnecting sends Last-Event-ID with the same URL: it resumes.
        reconnect = Stream(server.api_port, "?tail=2", last_event_id=again[-2]["id"])
        got = reconnect.events(1)
        check([e["id"] for e in got] == [again[-1]["id"]],
              f"resume with tail in the URL gave {[e['id'] for e in got]}")
        reconnect.close()

        try:
            urllib.request.urlopen(server.api_url + "/api/v1/stream?kind=nope", timeout=10)
            check(False, "an unknown kind was accepted")
        except urllib.error.HTTPError as e:
            body = json.load(e)
            check(e.code == 400 and body["error"]["code"] == "bad_request",
                  f"unknown kind: {e.code} {body}")

        with urllib.request.urlopen(server.api_url + "/metrics", timeout=10) as r:
            check(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"),
                  f"metrics content type {r.headers['Content-Type']}")
            metrics = r.read().decode()
        values = {}
        for line in metrics.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = float(value)
        accepted = values.get('agent_trace_ingest_accepted_total{source="hooks"}')
        check(accepted == len(records), f"metrics: hooks accepted {accepted}, sent {len(records)}")
        sent = values.get("agent_trace_sse_events_sent_total", 0)
        check(sent >= len(records), f"metrics: {sent} stream events sent")
        check(values.get("agent_trace_sse_clients_connected_total") == 5,
              f"metrics: clients {values.get('agent_trace_sse_clients_connected_total')}")
        print(f"stream: {len(records)} hook events via hook-handler, streamed, resumed, "
              f"filtered and tailed; /metrics agrees")
    finish("live_stream")


if __name__ == "__main__":
    main()

"""OTLP ingest end to end with the real Claude Code CLI.

For each (scenario, protocol) pair, Claude Code runs against the scripted fake API with
OTEL_EXPORTER_OTLP_ENDPOINT pointed at a real `agent-trace serve` (OTLP/HTTP on the hooks
port for http/json and http/protobuf, the OTLP/gRPC listener for grpc), and every hook
event wired to the built hook-handler. Between Claude Code and serve sits a loopback
recorder that forwards every byte unchanged and keeps a copy of what Claude Code sent: an
HTTP/1.1 proxy for the http protocols, a TCP relay (HTTP/2 frames, gRPC messages) for grpc.
For http/protobuf the proxy also delivers every export a second time (an exporter's retry
after a lost response).
The recorded export requests are decoded here, independently of agent-trace (OTLP/JSON
directly, protobuf with a small wire-format reader), and then:
  * this run: every log record and metric data point Claude Code sent is stored exactly
    once (same natural key, no duplicates, nothing extra), api_request token and cost
    columns equal Claude Code's attribute values, and metric values equal the sent ones;
  * the store: the claude_code.cost.usage sum equals the sum of api_request cost_usd and
    claude_code.token.usage by type equals the api_request token sums (per session and
    model), and /healthz shows zero rejections and every request accepted;
  * the capture run of the same scenario (tests/fixtures/captures/<scenario>/otlp): the
    same log records per event name, the same metric series with the same totals, and the
    same api_request usage and cost (the fake API is deterministic). What depends on timing
    (FileChanged hooks, active time, how deltas split across export intervals) is compared
    only against this run's own recording;
  * OTEL session.id equals the transcripts' sessionId and the hook events' session_id
    (apart from the startup id a --continue process reports first, as in the capture run),
    and OTEL prompt.id values are transcript promptIds;
  * tier 1 (the default): no prompt, assistant text or tool input of the scenario is
    anywhere in the data dir (Claude Code sends them: OTEL_LOG_USER_PROMPTS=1).
"""
import argparse
import base64
import collections
import gzip
import http.client
import http.server
import json
import os
import shutil
import socket
import struct
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from common import check, finish  # noqa: E402
from serve_support import Server, db_query, run_harness_scenario  # noqa: E402

PREFIX = "claude_code."
# Fields of a stored metric row's attrs that describe the point, not its attributes.
METRIC_META = {"signal", "metric", "unit", "metric_type", "temporality", "monotonic", "value",
               "count", "start_ts", "series", "scope", "resource"}
# Point attributes that differ between any two runs.
RUN_SPECIFIC = {"session.id", "user.id"}


# ---- OTLP protobuf -> OTLP/JSON shape (field numbers from opentelemetry-proto v1) ----

def _varint(buf: bytes, i: int):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def pb_fields(buf: bytes):
    """(field number, wire type, value) of one message: int for varint, bytes otherwise."""
    i, n = 0, len(buf)
    while i < n:
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            length, i = _varint(buf, i)
            value, i = buf[i:i + length], i + length
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        if i > n:
            raise ValueError("truncated protobuf message")
        yield field, wire, value


def _u64(b: bytes) -> int:
    return struct.unpack("<Q", b)[0]


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def pb_any(buf: bytes) -> dict:
    for f, _, v in pb_fields(buf):
        if f == 1:
            return {"stringValue": v.decode()}
        if f == 2:
            return {"boolValue": bool(v)}
        if f == 3:
            return {"intValue": str(_signed(v))}
        if f == 4:
            return {"doubleValue": struct.unpack("<d", v)[0]}
        if f == 5:
            return {"arrayValue": {"values": [pb_any(x) for g, _, x in pb_fields(v) if g == 1]}}
        if f == 6:
            return {"kvlistValue": {"values": [pb_kv(x) for g, _, x in pb_fields(v) if g == 1]}}
        if f == 7:
            return {"bytesValue": base64.b64encode(v).decode()}
    return {}


def pb_kv(buf: bytes) -> dict:
    out = {"key": "", "value": {}}
    for f, _, v in pb_fields(buf):
        if f == 1:
            out["key"] = v.decode()
        elif f == 2:
            out["value"] = pb_any(v)
    return out


def pb_attrs(buf: bytes, field: int) -> list:
    return [pb_kv(v) for f, _, v in pb_fields(buf) if f == field]


def pb_resource_scopes(request: bytes, scope_field: int, item_field: int, item):
    """ResourceX{resource=1, scopeX=2} -> ScopeX{scope=1, items}: OTLP/JSON-shaped lists."""
    out = []
    for f, _, rx in pb_fields(request):
        if f != 1:
            continue
        entry = {"resource": {"attributes": []}, "scopes": []}
        for g, _, v in pb_fields(rx):
            if g == 1:
                entry["resource"]["attributes"] = pb_attrs(v, 1)
            elif g == scope_field:
                scope = {"scope": {}, "items": []}
                for h, _, w in pb_fields(v):
                    if h == 1:
                        scope["scope"] = {"name": next((x.decode() for k, _, x in pb_fields(w)
                                                        if k == 1), "")}
                    elif h == item_field:
                        scope["items"].append(item(w))
                entry["scopes"].append(scope)
        out.append(entry)
    return out


def pb_log_record(buf: bytes) -> dict:
    rec = {"attributes": []}
    for f, _, v in pb_fields(buf):
        if f == 1:
            rec["timeUnixNano"] = str(_u64(v))
        elif f == 11:
            rec["observedTimeUnixNano"] = str(_u64(v))
        elif f == 5:
            rec["body"] = pb_any(v)
        elif f == 6:
            rec["attributes"].append(pb_kv(v))
    return rec


def pb_number_point(buf: bytes) -> dict:
    p = {"attributes": []}
    for f, _, v in pb_fields(buf):
        if f == 7:
            p["attributes"].append(pb_kv(v))
        elif f == 2:
            p["startTimeUnixNano"] = str(_u64(v))
        elif f == 3:
            p["timeUnixNano"] = str(_u64(v))
        elif f == 4:
            p["asDouble"] = struct.unpack("<d", v)[0]
        elif f == 6:
            p["asInt"] = str(_signed(_u64(v)))
    return p


def pb_metric(buf: bytes) -> dict:
    m = {}
    for f, _, v in pb_fields(buf):
        if f == 1:
            m["name"] = v.decode()
        elif f == 3:
            m["unit"] = v.decode()
        elif f in (5, 7):  # gauge, sum: data_points = 1
            data = {"dataPoints": [pb_number_point(x) for g, _, x in pb_fields(v) if g == 1]}
            for g, _, x in pb_fields(v):
                if g == 2:
                    data["aggregationTemporality"] = x
            m["gauge" if f == 5 else "sum"] = data
        elif f in (9, 10, 11):  # Claude Code sends sums only; anything else is noticed
            m["unsupported"] = f
    return m


def pb_logs_request(body: bytes) -> dict:
    return {"resourceLogs": [{"resource": r["resource"],
                              "scopeLogs": [{"scope": s["scope"], "logRecords": s["items"]}
                                            for s in r["scopes"]]}
                             for r in pb_resource_scopes(body, 2, 2, pb_log_record)]}


def pb_metrics_request(body: bytes) -> dict:
    return {"resourceMetrics": [{"resource": r["resource"],
                                 "scopeMetrics": [{"scope": s["scope"], "metrics": s["items"]}
                                                  for s in r["scopes"]]}
                                for r in pb_resource_scopes(body, 2, 2, pb_metric)]}


def pb_signal(body: bytes) -> str:
    """logs or metrics for an export request whose RPC path was not seen (HPACK-coded):
    the first field of LogRecord is a fixed64 time, that of Metric its name (a string)."""
    for f, _, rx in pb_fields(body):
        for g, _, scope in pb_fields(rx) if f == 1 else ():
            for h, _, item in pb_fields(scope) if g == 2 else ():
                for k, wire, _ in pb_fields(item) if h == 2 else ():
                    if k == 1:
                        return "metrics" if wire == 2 else "logs"
                    if k in (5, 6, 11):
                        return "logs"
                    if k in (3, 7):
                        return "metrics"
    return "empty"


# ---- OTLP/JSON-shaped requests -> flat records ----

def any_value(v: dict):
    if "stringValue" in v:
        return v["stringValue"]
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        return float(v["doubleValue"])
    if "arrayValue" in v:
        return [any_value(x) for x in v["arrayValue"].get("values", [])]
    if "kvlistValue" in v:
        return {kv["key"]: any_value(kv.get("value", {}))
                for kv in v["kvlistValue"].get("values", [])}
    if "bytesValue" in v:
        return v["bytesValue"]
    return None


def attr_dict(attributes: list) -> dict:
    return {kv["key"]: any_value(kv.get("value") or {}) for kv in attributes or []}


def log_records(request: dict):
    for rl in request.get("resourceLogs", []):
        for sl in rl.get("scopeLogs", []):
            for rec in sl.get("logRecords", []):
                attrs = attr_dict(rec.get("attributes"))
                body = any_value(rec.get("body") or {}) or ""
                name = attrs.get("event.name") or (body[len(PREFIX):] if isinstance(body, str)
                                                   and body.startswith(PREFIX) else body)
                yield {"event": name, "attrs": attrs,
                       "time_ns": int(rec.get("timeUnixNano") or 0)}


def metric_points(request: dict):
    for rm in request.get("resourceMetrics", []):
        for sm in rm.get("scopeMetrics", []):
            for metric in sm.get("metrics", []):
                data = metric.get("sum") or metric.get("gauge")
                if data is None:
                    yield {"metric": metric.get("name"), "unsupported": True}
                    continue
                for p in data.get("dataPoints", []):
                    value = float(p["asDouble"]) if "asDouble" in p else float(p.get("asInt", 0))
                    yield {"metric": metric["name"], "attrs": attr_dict(p.get("attributes")),
                           "start_ns": int(p.get("startTimeUnixNano") or 0),
                           "time_ns": int(p.get("timeUnixNano") or 0), "value": value}


def log_key(rec: dict):
    a = rec["attrs"]
    return (a.get("session.id", ""), rec["event"], a.get("event.sequence"), rec["time_ns"] // 1000)


def point_key(p: dict):
    a = p["attrs"]
    rest = tuple(sorted((k, json.dumps(v)) for k, v in a.items() if k not in ("session.id",
                                                                              "model")))
    return (a.get("session.id", ""), p["metric"], a.get("model", ""), p["start_ns"] // 1000,
            p["time_ns"] // 1000, rest)


def series_of(p: dict):
    return (p["metric"], tuple(sorted((k, json.dumps(v)) for k, v in p["attrs"].items()
                                      if k not in RUN_SPECIFIC)))


def comparable_log(rec: dict):
    """What a log record is compared by across runs: its name, plus the hook for hook
    bookkeeping (the FileChanged watcher fires 0-2 times per run, the rest is scripted)."""
    hook = rec["attrs"].get("hook_event")
    return (rec["event"], hook) if hook is not None else (rec["event"],)


def timing_dependent(rec: dict) -> bool:
    return rec["attrs"].get("hook_event") == "FileChanged"


USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_5m_tokens",
                "cache_creation_1h_tokens")


def usage_of(rec: dict):
    a = rec["attrs"]
    return (a.get("model"), a.get("query_source"), *(int(a.get(f, 0)) for f in USAGE_FIELDS),
            round(float(a.get("cost_usd", 0)), 12))


# ---- capture files ----

def load_capture(capture_dir: str):
    logs, points = [], []
    with open(os.path.join(capture_dir, "otlp", "otlp-logs.jsonl")) as f:
        for line in f:
            logs.extend(log_records(json.loads(line)))
    with open(os.path.join(capture_dir, "otlp", "otlp-metrics.jsonl")) as f:
        for line in f:
            points.extend(metric_points(json.loads(line)))
    return dedup(logs, log_key), dedup(points, point_key)


def dedup(items, key):
    seen = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())


# ---- recorders between Claude Code and serve ----

class HttpRecorder:
    """OTLP/HTTP reverse proxy on 127.0.0.1:0: forwards each request to serve unchanged
    and keeps (path, content type, encoding, body, status). With replay, each request is
    forwarded a second time once the first was answered, as an exporter retries after a
    lost response; Claude Code sees one answer."""

    def __init__(self, target_port: int, replay: bool = False):
        self.requests = []
        self.lock = threading.Lock()
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _body(self) -> bytes:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    out = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        chunk = self.rfile.read(size + 2)[:size]
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return out
                        out += chunk
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_POST(self):
                body = self._body()
                headers = {k: self.headers[k] for k in ("Content-Type", "Content-Encoding")
                           if self.headers.get(k)}
                for attempt in range(2 if replay else 1):
                    conn = http.client.HTTPConnection("127.0.0.1", target_port, timeout=30)
                    try:
                        conn.request("POST", self.path, body=body, headers=headers)
                        resp = conn.getresponse()
                        status, reply = resp.status, resp.read()
                        reply_type = resp.getheader("Content-Type") or "application/octet-stream"
                    except OSError as e:
                        status, reply, reply_type = 502, str(e).encode(), "text/plain"
                    finally:
                        conn.close()
                    with recorder.lock:
                        recorder.requests.append({"path": self.path.split("?")[0],
                                                  "content_type": headers.get("Content-Type", ""),
                                                  "encoding": headers.get("Content-Encoding", ""),
                                                  "body": body, "status": status,
                                                  "replayed": attempt > 0})
                self.send_response(status)
                self.send_header("Content-Type", reply_type)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def exports(self):
        """(signal, OTLP/JSON-shaped request, problem or None) per recorded request."""
        for r in self.requests:
            signal = r["path"].rsplit("/", 1)[-1]
            body = r["body"]
            try:
                if r["encoding"].lower() == "gzip":
                    body = gzip.decompress(body)
                if "json" in r["content_type"]:
                    doc = json.loads(body or b"{}")
                elif signal == "logs":
                    doc = pb_logs_request(body)
                elif signal == "metrics":
                    doc = pb_metrics_request(body)
                else:
                    doc = {}
                problem = None if r["status"] == 200 else f"serve answered {r['status']}"
            except (ValueError, OSError, IndexError, struct.error) as e:
                doc, problem = {}, f"undecodable {signal} body: {e}"
            yield signal, doc, problem


class GrpcRecorder:
    """TCP relay on 127.0.0.1:0 in front of serve's gRPC port: bytes pass through
    unchanged; the client-to-server stream of each connection is kept and decoded
    afterwards (HTTP/2 DATA frames -> gRPC length-prefixed messages)."""

    PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.streams = []  # one bytearray per client connection
        self.sockets = []
        self.closed = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
            except OSError:
                client.close()  # serve is gone: the exporter sees a failed connection
                continue
            upstream.settimeout(None)
            recorded = bytearray()
            self.streams.append(recorded)
            self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, recorded),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, None),
                             daemon=True).start()

    @staticmethod
    def _pump(src, dst, recorded):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if recorded is not None:
                    recorded.extend(data)
                dst.sendall(data)
        except OSError:
            pass
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass

    def close(self):
        self.closed = True
        self.listener.close()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass

    def messages(self):
        """gRPC request messages in the order sent; raises ValueError on a broken stream."""
        out = []
        for recorded in self.streams:
            data = bytes(recorded)
            if not data:
                continue
            if not data.startswith(self.PREFACE):
                raise ValueError("not an HTTP/2 prior-knowledge connection")
            i, per_stream = len(self.PREFACE), collections.OrderedDict()
            while i + 9 <= len(data):
                length = int.from_bytes(data[i:i + 3], "big")
                ftype, flags = data[i + 3], data[i + 4]
                stream = int.from_bytes(data[i + 5:i + 9], "big") & 0x7FFFFFFF
                payload = data[i + 9:i + 9 + length]
                i += 9 + length
                if ftype != 0:  # DATA only; headers are HPACK-coded and not needed
                    continue
                if flags & 0x8:
                    payload = payload[1:len(payload) - payload[0]]
                per_stream.setdefault(stream, bytearray()).extend(payload)
            if i != len(data):
                raise ValueError("connection ended inside an HTTP/2 frame")
            for body in per_stream.values():
                j = 0
                while j + 5 <= len(body):
                    compressed, size = body[j], int.from_bytes(body[j + 1:j + 5], "big")
                    msg = bytes(body[j + 5:j + 5 + size])
                    j += 5 + size
                    if compressed:
                        msg = zlib.decompress(msg, 47)  # gzip or zlib
                    out.append(msg)
        return out

    def exports(self):
        try:
            messages = self.messages()
        except (ValueError, zlib.error) as e:
            yield "unknown", {}, f"undecodable gRPC stream: {e}"
            return
        for msg in messages:
            try:
                signal = pb_signal(msg)
                doc = (pb_logs_request(msg) if signal == "logs" else
                       pb_metrics_request(msg) if signal == "metrics" else {})
                yield signal, doc, None
            except (ValueError, IndexError, struct.error) as e:
                yield "unknown", {}, f"undecodable gRPC message: {e}"


# ---- the store ----

def stored_logs(data: str):
    rows = db_query(data, "SELECT session_id, json_extract(attrs, '$.event'), "
                          "json_extract(attrs, '$.sequence'), ts, kind, model, request_id, "
                          "prompt_id, input_tokens, output_tokens, cache_read_tokens, "
                          "cache_write_5m_tokens, cache_write_1h_tokens, cost_usd, cost_source, "
                          "json_extract(attrs, '$.query_source'), "
                          "json_extract(attrs, '$.hook_event') "
                          "FROM events WHERE source = 'otel' AND "
                          "json_extract(attrs, '$.signal') = 'logs'")
    out = []
    for r in rows:
        out.append({"key": (r[0] or "", r[1], r[2], r[3]), "kind": r[4], "model": r[5],
                    "request_id": r[6], "prompt_id": r[7], "input_tokens": r[8],
                    "output_tokens": r[9], "cache_read_tokens": r[10],
                    "cache_creation_5m_tokens": r[11], "cache_creation_1h_tokens": r[12],
                    "cost_usd": r[13], "cost_source": r[14], "query_source": r[15],
                    "hook_event": r[16]})
    return out


def stored_points(data: str):
    rows = db_query(data, "SELECT session_id, model, ts, attrs FROM events "
                          "WHERE source = 'otel' AND kind = 'metric'")
    out = []
    for session, model, ts, attrs_text in rows:
        a = json.loads(attrs_text)
        point_attrs = {k: v for k, v in a.items() if k not in METRIC_META}
        if session:
            point_attrs["session.id"] = session
        if model:
            point_attrs["model"] = model
        value = a.get("value")
        out.append({"metric": a.get("metric"), "attrs": point_attrs,
                    "start_ns": a.get("start_ts", 0) * 1000, "time_ns": ts * 1000,
                    "value": float(value) if value is not None else None})
    return out


def usage_consistency(api_requests, points):
    """Per (session, model): cost.usage vs api_request cost_usd and token.usage by type vs
    the api_request token sums. Returns {key: (metric side, log side)} where they differ."""
    from_logs = collections.defaultdict(lambda: collections.defaultdict(float))
    from_metrics = collections.defaultdict(lambda: collections.defaultdict(float))
    for r in api_requests:
        a = r["attrs"]
        k = (a.get("session.id"), a.get("model"))
        from_logs[k]["cost"] += float(a.get("cost_usd", 0))
        from_logs[k]["input"] += int(a.get("input_tokens", 0))
        from_logs[k]["output"] += int(a.get("output_tokens", 0))
        from_logs[k]["cacheRead"] += int(a.get("cache_read_tokens", 0))
        from_logs[k]["cacheCreation"] += (int(a.get("cache_creation_5m_tokens", 0)) +
                                          int(a.get("cache_creation_1h_tokens", 0)))
    for p in points:
        k = (p["attrs"].get("session.id"), p["attrs"].get("model"))
        if p["metric"] == PREFIX + "cost.usage":
            from_metrics[k]["cost"] += p["value"]
        elif p["metric"] == PREFIX + "token.usage":
            from_metrics[k][p["attrs"].get("type")] += p["value"]
    diffs = {}
    for k in set(from_logs) | set(from_metrics):
        for what in ("cost", "input", "output", "cacheRead", "cacheCreation"):
            m, lg = from_metrics[k][what], from_logs[k][what]
            if abs(m - lg) > (1e-9 if what == "cost" else 0):
                diffs[(k, what)] = (m, lg)
    return diffs


def names_by_session(logs, points):
    """session id -> the log event and metric names reported under it."""
    out = collections.defaultdict(set)
    for r in logs:
        out[r["attrs"].get("session.id", "")].add(r["event"])
    for p in points:
        out[p["attrs"].get("session.id", "")].add(p["metric"])
    return out


def transcript_ids(outdir: str):
    """Session ids (file names and sessionId fields) and prompt ids of the run's transcripts."""
    sessions, prompts = set(), set()
    root = os.path.join(outdir, "transcripts")
    for dirpath, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".jsonl"):
                continue
            if os.path.basename(os.path.dirname(dirpath)) != "subagents" and \
                    os.path.basename(dirpath) != "subagents":
                sessions.add(name[:-len(".jsonl")])
            with open(os.path.join(dirpath, name)) as f:
                for line in f:
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        continue
                    if rec.get("sessionId"):
                        sessions.add(rec["sessionId"])
                    if rec.get("type") == "user" and rec.get("promptId"):
                        prompts.add(rec["promptId"])
    return sessions, prompts


def private_texts(scenario_path: str):
    """Prompts, assistant text and tool inputs of a scenario: none may be stored at tier 1."""
    with open(scenario_path) as f:
        s = json.load(f)
    texts = [r["prompt"] for r in s.get("runs", [])]

    def strings(v):
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            for x in v.values():
                yield from strings(x)
        elif isinstance(v, list):
            for x in v:
                yield from strings(x)

    for thread in s.get("threads", []):
        for turn in thread.get("turns", []):
            for block in turn.get("content", []):
                if block.get("type") in ("text", "thinking"):
                    texts.append(block.get("text") or block.get("thinking") or "")
                elif block.get("type") == "tool_use":
                    texts.extend(strings(block.get("input")))
    # Short strings and paths ({{REPO}}) could occur in metadata for other reasons.
    return sorted({t for t in texts if len(t) >= 16 and "{{" not in t})


def files_containing(root: str, needles):
    found = collections.defaultdict(list)
    encoded = [(n, n.encode()) for n in needles]
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                with open(path, "rb") as f:
                    blob = f.read()
            except OSError:
                continue
            for text, raw in encoded:
                if raw in blob:
                    found[text].append(os.path.relpath(path, root))
    return found


# ---- one run ----

def run_one(args, scenario: str, protocol: str):
    label = f"{scenario} over {protocol}"
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix=f"agent-trace-otlp-{scenario}-")
    server = recorder = None
    try:
        home = os.path.join(tmp, "home")
        data = os.path.join(tmp, "data")
        work_tmp = os.path.join(tmp, "work")
        os.makedirs(home)
        os.makedirs(work_tmp)
        server = Server(args.bin, data, home, "--no-import").start()
        # http/protobuf runs also deliver every export twice: stored once all the same.
        recorder = (GrpcRecorder(server.grpc_port) if protocol == "grpc" else
                    HttpRecorder(server.port, replay=protocol == "http/protobuf"))
        hook_cmd = f"{args.bin} hook-handler --server {server.url} --data-dir {data}"
        outdir = os.path.join(tmp, "out")
        scenario_path = os.path.join(args.harness, "scenarios", scenario + ".json")
        if not run_harness_scenario(args.harness, scenario, outdir, label,
                                    HOOK_COMMAND=hook_cmd, OTLP_ENDPOINT=recorder.url,
                                    OTLP_PROTOCOL=protocol, NORMALIZE_PATHS="0",
                                    TMPDIR=work_tmp, OTEL_LOG_USER_PROMPTS="1",
                                    OTEL_LOG_TOOL_DETAILS="1", OTEL_RESOURCE_ATTRIBUTES=None):
            return
        # Claude Code has exited: everything it exported has passed the recorder.
        sent_logs, sent_points, requests = [], [], collections.Counter()
        for signal, doc, problem in recorder.exports():
            requests[signal] += 1
            check(problem is None, f"{label}: {signal} export: {problem}")
            sent_logs.extend(log_records(doc))
            sent_points.extend(metric_points(doc))
        if protocol != "grpc":
            want_type = "application/json" if protocol == "http/json" else \
                "application/x-protobuf"
            types = {r["content_type"] for r in recorder.requests}
            check(types == {want_type}, f"{label}: content types sent {types}")
        check(requests["logs"] > 0 and requests["metrics"] > 0,
              f"{label}: Claude Code's exports seen: {dict(requests)}")
        check(not any(p.get("unsupported") for p in sent_points),
              f"{label}: metric types other than sum/gauge were sent")
        sent_points = [p for p in sent_points if not p.get("unsupported")]
        want_logs = {log_key(r): r for r in sent_logs}
        want_points = {point_key(p): p for p in sent_points}
        resent = len(sent_logs) - len(want_logs) + len(sent_points) - len(want_points)
        if any(r.get("replayed") for r in getattr(recorder, "requests", [])):
            check(resent >= len(want_logs) + len(want_points),
                  f"{label}: replayed every export, yet only {resent} records came twice")

        def settled():
            h = server.health()
            rows = db_query(data, "SELECT count(*) FROM events WHERE source = 'otel'")[0][0]
            hooks = db_query(data, "SELECT count(*) FROM events WHERE source = 'hook'")[0][0]
            return (h["queue"]["depth_records"] == 0 and
                    rows >= len(want_logs) + len(want_points) and
                    hooks >= h["ingest"]["hooks"]["accepted"])

        check(server.wait_for(settled, 30, 0.2), f"{label}: the store did not catch up")
        health = server.health()
        otlp = health["ingest"]["otlp"]

        # -- this run: each record and point Claude Code sent is stored exactly once --
        logs = stored_logs(data)
        log_keys = collections.Counter(r["key"] for r in logs)
        dups = {k: n for k, n in log_keys.items() if n > 1}
        check(not dups, f"{label}: log records stored more than once: {list(dups)[:5]}")
        missing = [k for k in want_logs if k not in log_keys]
        extra = [k for k in log_keys if k not in want_logs]
        check(not missing, f"{label}: {len(missing)} sent log records not stored: {missing[:5]}")
        check(not extra, f"{label}: {len(extra)} stored log records never sent: {extra[:5]}")
        sent_names = collections.Counter(r["event"] for r in want_logs.values())
        stored_names = collections.Counter(r["key"][1] for r in logs)
        check(sent_names == stored_names,
              f"{label}: log records per event {dict(stored_names)} != sent {dict(sent_names)}")

        points = stored_points(data)
        point_keys = collections.Counter(point_key(p) for p in points)
        dups = {k: n for k, n in point_keys.items() if n > 1}
        check(not dups, f"{label}: metric points stored more than once: {list(dups)[:3]}")
        missing = [k for k in want_points if k not in point_keys]
        extra = [k for k in point_keys if k not in want_points]
        check(not missing, f"{label}: {len(missing)} sent metric points not stored: "
                           f"{missing[:3]}")
        check(not extra, f"{label}: {len(extra)} stored metric points never sent: {extra[:3]}")
        for p in points:
            sent = want_points.get(point_key(p))
            if sent is not None:
                check(p["value"] is not None and abs(p["value"] - sent["value"]) <=
                      1e-12 * max(1.0, abs(sent["value"])),
                      f"{label}: {p['metric']} stored {p['value']}, sent {sent['value']}")

        # api_request: the columns carry Claude Code's own figures.
        by_key = {r["key"]: r for r in logs}
        api_sent = [r for r in want_logs.values() if r["event"] == "api_request"]
        check(bool(api_sent), f"{label}: no api_request was sent")
        for rec in api_sent:
            row = by_key.get(log_key(rec))
            if row is None:
                continue
            a = rec["attrs"]
            for field in USAGE_FIELDS:
                check(row[field] == int(a.get(field, 0)),
                      f"{label}: api_request {a.get('request_id')} {field} stored "
                      f"{row[field]}, Claude Code said {a.get(field)}")
            check(row["cost_usd"] is not None and
                  abs(row["cost_usd"] - float(a["cost_usd"])) <= 1e-12,
                  f"{label}: api_request {a.get('request_id')} cost {row['cost_usd']} != "
                  f"{a.get('cost_usd')}")
            check(row["cost_source"] == "reported" and row["kind"] == "api_request",
                  f"{label}: api_request row kind/cost_source {row['kind']}/"
                  f"{row['cost_source']}")
            check((row["model"], row["request_id"], row["prompt_id"]) ==
                  (a.get("model"), a.get("request_id"), a.get("prompt.id")),
                  f"{label}: api_request ids {row['model'], row['request_id'], row['prompt_id']}"
                  f" != sent {a.get('model'), a.get('request_id'), a.get('prompt.id')}")

        # The store's metrics agree with its api_request rows.
        stored_api = [{"attrs": {"session.id": r["key"][0], "model": r["model"],
                                 "cost_usd": r["cost_usd"] or 0.0,
                                 **{f: r[f] for f in USAGE_FIELDS}}}
                      for r in logs if r["kind"] == "api_request"]
        diffs = usage_consistency(stored_api, points)
        check(not diffs, f"{label}: metrics vs api_request rows differ: {diffs}")

        # -- /healthz: every request and record accepted, nothing rejected --
        for signal in ("logs", "metrics", "traces"):
            s = otlp[signal]
            check(s["rejected"] == 0, f"{label}: {signal} rejected: {s}")
            check(s["requests"] == requests[signal],
                  f"{label}: serve counted {s['requests']} {signal} requests, "
                  f"{requests[signal]} were sent")
        sent_log_total = len(sent_logs)
        check(otlp["logs"]["accepted"] == sent_log_total,
              f"{label}: logs accepted {otlp['logs']['accepted']} != sent {sent_log_total}")
        check(otlp["metrics"]["accepted"] == len(sent_points),
              f"{label}: metrics accepted {otlp['metrics']['accepted']} != sent "
              f"{len(sent_points)}")
        if protocol == "grpc":
            g = otlp["grpc"]
            check(g["calls"] == sum(requests.values()) and g["invalid"] == 0 and
                  g["unavailable"] == 0, f"{label}: gRPC stats {g}, calls sent {dict(requests)}")
        check(health["writer"]["dead_lettered"] == 0 and health["dlq"]["count"] == 0,
              f"{label}: dead-lettered: {health['writer']} {health['dlq']}")
        check(health["ingest"]["hooks"]["rejected"] == 0,
              f"{label}: hooks rejected {health['ingest']['hooks']}")

        # -- the capture run of the same scenario (same fake API, same CLI version) --
        cap_logs, cap_points = load_capture(os.path.join(args.captures, scenario))
        run_logs = list(want_logs.values())
        want = collections.Counter(comparable_log(r) for r in cap_logs if not timing_dependent(r))
        got = collections.Counter(comparable_log(r) for r in run_logs if not timing_dependent(r))
        check(got == want, f"{label}: log records differ from the capture run: "
                           f"this run {dict(got - want)}, capture {dict(want - got)}")
        want = collections.Counter(usage_of(r) for r in cap_logs if r["event"] == "api_request")
        got = collections.Counter(usage_of(r) for r in run_logs if r["event"] == "api_request")
        check(got == want, f"{label}: api_request usage/cost {sorted(got.elements())} != "
                           f"capture {sorted(want.elements())}")

        def totals(pts):
            t = collections.defaultdict(float)
            for p in pts:
                t[series_of(p)] += p["value"]
            return t

        run_totals, cap_totals = totals(want_points.values()), totals(cap_points)
        check(set(run_totals) == set(cap_totals),
              f"{label}: metric series differ from the capture run: this run "
              f"{sorted(set(run_totals) - set(cap_totals))}, capture "
              f"{sorted(set(cap_totals) - set(run_totals))}")
        for series, value in cap_totals.items():
            if series[0] == PREFIX + "active_time.total" or series not in run_totals:
                continue  # wall-clock dependent
            check(abs(run_totals[series] - value) <= 1e-9,
                  f"{label}: {series} totals {run_totals[series]}, capture {value}")
        check(not usage_consistency([r for r in cap_logs if r["event"] == "api_request"],
                                    cap_points),
              f"{label}: the capture run's own metrics and api_request disagree (fixture?)")

        # -- one session id across OTEL, transcripts and hooks --
        # A --continue/--resume process reports its startup bookkeeping (hook_registered,
        # session.count, ...) under a fresh id that never gets a transcript before it
        # switches to the continued session; the capture run shows which names those are.
        sessions, prompt_ids = transcript_ids(outdir)
        cap_sessions, _ = transcript_ids(os.path.join(args.captures, scenario))
        cap_names = names_by_session(cap_logs, cap_points)
        cap_startup = {s: n for s, n in cap_names.items() if s not in cap_sessions}
        run_names = names_by_session([{"event": r["key"][1], "attrs": {"session.id": r["key"][0]}}
                                      for r in logs], points)
        startup = {s: n for s, n in run_names.items() if s not in sessions}
        check(bool(sessions) and sessions <= set(run_names),
              f"{label}: transcript sessions {sessions - set(run_names)} have no OTEL data")
        allowed = set().union(*cap_startup.values())
        check(len(startup) == len(cap_startup) and
              all(names <= allowed for names in startup.values()),
              f"{label}: OTEL sessions without a transcript {startup}; capture run "
              f"{cap_startup}")
        hook_sessions = {r[0] for r in db_query(data, "SELECT DISTINCT session_id FROM events "
                                                      "WHERE source = 'hook'")}
        check(hook_sessions == sessions,
              f"{label}: hook session ids {hook_sessions} != transcripts {sessions}")
        otel_prompts = {r[0] for r in db_query(data, "SELECT DISTINCT prompt_id FROM events "
                                                     "WHERE source = 'otel' AND "
                                                     "prompt_id IS NOT NULL AND prompt_id != ''")}
        check(bool(otel_prompts) and otel_prompts <= prompt_ids,
              f"{label}: OTEL prompt ids {otel_prompts - prompt_ids} not in the transcripts")

        # -- tier 1: Claude Code sent the prompt text; none of it reaches the data dir --
        texts = private_texts(scenario_path)
        sent_blob = json.dumps([r["attrs"] for r in sent_logs], ensure_ascii=False)
        with open(scenario_path) as f:
            prompts = [r["prompt"] for r in json.load(f)["runs"]]
        check(all(p in sent_blob for p in prompts),
              f"{label}: Claude Code did not send the prompts (OTEL_LOG_USER_PROMPTS=1?)")
        server.stop()  # the WAL is checkpointed; the files are final
        leaked = files_containing(data, texts)
        check(not leaked, f"{label}: content stored at tier 1: "
                          f"{ {t[:40]: where for t, where in leaked.items()} }")
        print(f"{label}: sent {len(want_logs)} log records and {len(want_points)} metric points "
              f"in {sum(requests.values())} requests ({resent} delivered twice), "
              f"{len(api_sent)} api_request, {len(sessions)} session(s), "
              f"{time.monotonic() - started:.1f} s")
    finally:
        if recorder is not None:
            recorder.close()
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--harness", required=True)
    parser.add_argument("--captures", required=True)
    every = ",".join(f"{s}:{p}" for s in ("basic", "subagent", "two-models")
                     for p in ("grpc", "http/json", "http/protobuf"))
    parser.add_argument("--runs", default=every, help="comma-separated scenario:protocol pairs")
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)
    for pair in args.runs.split(","):
        scenario, protocol = pair.split(":", 1)
        run_one(args, scenario, protocol)
    finish("otlp_live")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Real Claude Code transcripts (harness captures) import without a skipped line, and
their totals equal what the captured API responses charged.

Token truth: the fake API's own log of every response it sent (api-requests.jsonl).
Cost truth: Claude Code's cost_usd in its OTEL api_request events (JSON captures)."""
import argparse
import json
import os

from common import Runner, check, finish


def api_responses(capture: str) -> dict:
    out = {}
    with open(os.path.join(capture, "api-requests.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            r = d.get("response") or {}
            if d.get("kind") == "turn" and r.get("usage") and r.get("id"):
                out[r["id"]] = r
    return out


def otel_costs(capture: str) -> dict:
    path = os.path.join(capture, "otlp", "otlp-logs.jsonl")
    costs = {}
    if not os.path.exists(path):
        return costs
    with open(path, encoding="utf-8") as f:
        for line in f:
            for rl in json.loads(line).get("resourceLogs", []):
                for sl in rl.get("scopeLogs", []):
                    for rec in sl.get("logRecords", []):
                        attrs = {a["key"]: next(iter(a["value"].values()))
                                 for a in rec.get("attributes", [])}
                        if attrs.get("event.name") == "api_request":
                            costs[attrs["request_id"]] = float(attrs["cost_usd"])
    return costs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--captures", required=True)
    a = ap.parse_args()
    names = sorted(n for n in os.listdir(a.captures)
                   if os.path.isdir(os.path.join(a.captures, n, "transcripts")))
    check(len(names) >= 6, f"expected the harness captures, found {names}")
    for name in names:
        capture = os.path.join(a.captures, name)
        runner = Runner(a.bin)
        try:
            runner.run("import", os.path.join(capture, "transcripts"), "--verbose")
            rep = runner.report("session")
            responses = api_responses(capture)
            costs = otel_costs(capture)
            t = rep["totals"]
            want = {
                "messages": len(responses),
                "input_tokens": sum(r["usage"]["input_tokens"] for r in responses.values()),
                "output_tokens": sum(r["usage"]["output_tokens"] for r in responses.values()),
                "cache_read_tokens": sum(r["usage"]["cache_read_input_tokens"]
                                         for r in responses.values()),
                "cache_creation": sum(r["usage"]["cache_creation_input_tokens"]
                                      for r in responses.values()),
                "cache_1h": sum((r["usage"].get("cache_creation") or {})
                                .get("ephemeral_1h_input_tokens", 0) for r in responses.values()),
            }
            got = {
                "messages": t["messages"], "input_tokens": t["input_tokens"],
                "output_tokens": t["output_tokens"], "cache_read_tokens": t["cache_read_tokens"],
                "cache_creation": t["cache_write_5m_tokens"] + t["cache_write_1h_tokens"],
                "cache_1h": t["cache_write_1h_tokens"],
            }
            for k, v in want.items():
                check(got[k] == v, f"{name}: {k} ours {got[k]} != API responses {v}")
            if costs:
                charged = sum(costs.values())
                check(abs(t["cost_usd"] - charged) < 1e-6,
                      f"{name}: cost ours {t['cost_usd']:.10f} != Claude Code's {charged:.10f}")
                check(set(costs) <= {r["request_id"] for r in responses.values()},
                      f"{name}: OTEL request ids not all answered by the API")
            check(rep["unpriced_models"] == [], f"{name}: unpriced {rep['unpriced_models']}")
            skipped = rep["skipped"]
            check(all(v == 0 for v in skipped.values()), f"{name}: skipped lines {skipped}")
            sessions = {r["key"] for r in rep["rows"]}
            want_sessions = {json.loads(r["metadata"]["user_id"])["session_id"]
                             for r in [json.loads(l) for l in open(os.path.join(capture, "api-requests.jsonl"))]
                             if r.get("metadata")}
            check(sessions == want_sessions, f"{name}: sessions {sessions} != {want_sessions}")
            print(f"OK {name}: {t['messages']} calls, ${t['cost_usd']:.6f}"
                  + (f" = Claude Code's ${sum(costs.values()):.6f}" if costs else ""))
        finally:
            runner.close()
    finish("captures")


if __name__ == "__main__":
    main()

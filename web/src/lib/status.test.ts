import { describe, expect, it } from "vitest";
import { isStale, num, receiverRows, str, windowText, wiringScopes, wiringSummary } from "./status";

// Trimmed from a real `agent-trace status --json` (serve of this tree, 2026-11-26).
const health = {
  status: "ok",
  queue: { depth_records: 3, depth_bytes: 2048, segments: 1 },
  writer: { stored_events: 10, retries: 2, dead_lettered: 0, last_error: "", last_error_at: "" },
  ingest: {
    hooks: { accepted: 5, rejected: 2, rejected_by_reason: { "missing session_id": 1, "bad json": 1 } },
    http: { connections: 1, requests: 1, too_large: 0, malformed: 0 },
    otlp: {
      logs: { requests: 4, accepted: 40, rejected: 3, rejected_by_reason: { a: 1, b: 2 } },
      metrics: { requests: 0, accepted: 0, rejected: 0, rejected_by_reason: {} },
      traces: { requests: 0, accepted: 0, rejected: 0, rejected_by_reason: {} },
      grpc: { calls: 0 },
    },
  },
};

describe("reading the health JSON", () => {
  it("reads numbers and strings, null/empty for anything else", () => {
    expect(num(health, "queue", "depth_records")).toBe(3);
    expect(num(health, "queue", "nope")).toBeNull();
    expect(num(health, "status")).toBeNull();
    expect(num(null, "queue")).toBeNull();
    expect(str(health, "status")).toBe("ok");
    expect(str(health, "queue")).toBe("");
  });

  it("lists receivers with their rejection reasons, largest first", () => {
    const rows = receiverRows(health);
    expect(rows.map((r) => r.receiver)).toEqual(["hooks (POST /v1/hooks)", "OTLP logs", "OTLP metrics", "OTLP traces"]);
    expect(rows[0]).toMatchObject({ accepted: 5, rejected: 2, requests: null });
    expect(rows[0].reasons).toEqual([
      ["bad json", 1],
      ["missing session_id", 1],
    ]);
    expect(rows[1].reasons).toEqual([
      ["b", 2],
      ["a", 1],
    ]);
    expect(receiverRows(null)).toEqual([]);
  });
});

describe("Claude Code wiring", () => {
  const report = {
    claude_code: [
      { scope: "user", path: "/h/.claude/settings.json", exists: false, error: "", hook_events_wired: 0, hook_events_known: 0, missing_events: [], hook_commands: [], hooks_disabled: false, telemetry: {} },
      {
        scope: "project",
        path: "/p/.claude/settings.json",
        exists: true,
        error: "",
        hook_events_wired: 12,
        hook_events_known: 12,
        missing_events: [],
        hook_commands: ["agent-trace hook-handler"],
        hooks_disabled: false,
        telemetry: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:8317", CLAUDE_CODE_ENABLE_TELEMETRY: "1" },
      },
      { scope: "local", path: "/p/.claude/settings.local.json", exists: true, error: "not JSON", telemetry: {} },
    ],
  };

  it("summarises each scope as the CLI does", () => {
    const scopes = wiringScopes(report);
    expect(scopes.map((s) => wiringSummary(s))).toEqual([
      { text: "no file", tone: "dim" },
      { text: "12/12 hook events, OTEL → http://127.0.0.1:8317", tone: "good" },
      { text: "invalid: not JSON", tone: "bad" },
    ]);
    expect(scopes[1].hook_commands).toEqual(["agent-trace hook-handler"]);
    expect(wiringScopes({})).toEqual([]);
  });

  it("flags telemetry that is set but not enabled", () => {
    const [s] = wiringScopes({
      claude_code: [
        { scope: "user", exists: true, hook_events_wired: 3, hook_events_known: 12, missing_events: ["Stop"], telemetry: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://x" } },
      ],
    });
    expect(wiringSummary(s)).toEqual({ text: "3/12 hook events, OTEL (not enabled) → http://x", tone: "warn" });
  });
});

describe("staleness", () => {
  it("is stale a day after the last event", () => {
    const now = Date.UTC(2026, 10, 26);
    expect(isStale("2026-11-24T00:00:00Z", now)).toBe(true);
    expect(isStale("2026-11-25T12:00:00Z", now)).toBe(false);
    expect(isStale(null, now)).toBe(false);
  });
});

describe("window text", () => {
  it("reads as a person would say it", () => {
    expect(windowText(300)).toBe("5 min");
    expect(windowText(90)).toBe("90 s");
    expect(windowText(7200)).toBe("2 h");
  });
});

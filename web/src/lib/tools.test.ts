import { describe, expect, it } from "vitest";
import type { ToolFailure, ToolsReport } from "./api";
import {
  appendFailures,
  chartRows,
  failureHref,
  rateTone,
  sortTools,
  toolRows,
} from "./tools";

const report: ToolsReport = {
  zone: "UTC",
  tools: [
    { tool_name: "Bash", calls: 4, errors: 1, denied: 0, pending: 0, error_rate: 0.25, cost_usd: 0.06, duration_ms: { count: 4, p50: 261, p90: 316, p95: 316, p99: 316, max: 316 } },
    { tool_name: "Agent", calls: 2, errors: 0, denied: 1, pending: 0, error_rate: 0, cost_usd: 0.09, duration_ms: null },
    { tool_name: "Read", calls: 200, errors: 3, denied: 0, pending: 2, error_rate: 0.015, cost_usd: 0.05, duration_ms: { count: 198, p50: 10, p90: 20, p95: 30, p99: 40, max: 50 } },
  ],
  totals: { calls: 206, errors: 4, denied: 1, pending: 2, error_rate: 4 / 206 },
};

describe("toolRows", () => {
  it("adds cost share, bar length and the error-rate tone", () => {
    const rows = toolRows(report);
    expect(rows.map((r) => r.costShare.toFixed(3))).toEqual(["0.300", "0.450", "0.250"]);
    expect(rows[2].callsShare).toBe(1);
    expect(rows.map((r) => r.tone)).toEqual(["bad", "", ""]);
  });

  it("tones error rates", () => {
    expect(rateTone(0, 0)).toBe("");
    expect(rateTone(1, 0.01)).toBe("");
    expect(rateTone(1, 0.05)).toBe("warn");
    expect(rateTone(3, 0.5)).toBe("bad");
  });

  it("sorts by any column, ties by name", () => {
    const rows = toolRows(report);
    expect(sortTools(rows, "calls", true).map((r) => r.tool_name)).toEqual(["Read", "Bash", "Agent"]);
    expect(sortTools(rows, "rate", true).map((r) => r.tool_name)).toEqual(["Bash", "Read", "Agent"]);
    expect(sortTools(rows, "p95", false).map((r) => r.tool_name)).toEqual(["Agent", "Read", "Bash"]);
    expect(sortTools(rows, "name", false).map((r) => r.tool_name)).toEqual(["Agent", "Bash", "Read"]);
    expect(chartRows(rows, 2).map((r) => r.tool_name)).toEqual(["Read", "Bash"]);
  });
});

describe("failures", () => {
  const f = (id: string): ToolFailure => ({
    session_id: "s 1",
    project: "p",
    agent_id: "",
    tool_use_id: id,
    tool_name: "Bash",
    ts: "2026-11-25T20:43:19.204Z",
    duration_ms: 18,
    result: "error",
  });

  it("appends a page without repeats", () => {
    const out = appendFailures([f("a"), f("b")], { failures: [f("b"), f("c")], next_cursor: null });
    expect(out.map((x) => x.tool_use_id)).toEqual(["a", "b", "c"]);
  });

  it("links to the tool call in its session", () => {
    expect(failureHref(f("toolu_1"))).toBe("/sessions/s%201?tool_use_id=toolu_1");
    expect(failureHref(f(""))).toBe("/sessions/s%201");
  });
});

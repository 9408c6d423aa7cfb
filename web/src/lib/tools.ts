// Data shaping for the Tools and errors page (GET /api/v1/analytics/tools and
// /analytics/tools/failures).
import type { ToolFailure, ToolFailurePage, ToolStats, ToolsReport } from "./api";

export type Tone = "bad" | "warn" | "";

// An error rate worth a look: red from 10 %, amber from 2 % (and at least one error).
export function rateTone(errors: number, rate: number): Tone {
  if (errors <= 0) return "";
  if (rate >= 0.1) return "bad";
  if (rate >= 0.02) return "warn";
  return "";
}

export interface ToolRow extends ToolStats {
  costShare: number; // of all tools' cost, 0..1
  callsShare: number; // of the busiest tool's calls, 0..1 (bar length)
  tone: Tone;
}

export function toolRows(report: ToolsReport): ToolRow[] {
  const totalCost = report.tools.reduce((s, t) => s + (t.cost_usd || 0), 0);
  const maxCalls = report.tools.reduce((m, t) => Math.max(m, t.calls), 0);
  return report.tools.map((t) => ({
    ...t,
    costShare: totalCost > 0 ? (t.cost_usd || 0) / totalCost : 0,
    callsShare: maxCalls > 0 ? t.calls / maxCalls : 0,
    tone: rateTone(t.errors, t.error_rate),
  }));
}

export type ToolSort = "name" | "calls" | "errors" | "denied" | "rate" | "cost" | "p50" | "p95" | "max";

function sortValue(row: ToolRow, key: ToolSort): number | string {
  switch (key) {
    case "name":
      return row.tool_name.toLowerCase();
    case "calls":
      return row.calls;
    case "errors":
      return row.errors;
    case "denied":
      return row.denied;
    case "rate":
      return row.error_rate;
    case "cost":
      return row.cost_usd;
    case "p50":
      return row.duration_ms?.p50 ?? -1;
    case "p95":
      return row.duration_ms?.p95 ?? -1;
    case "max":
      return row.duration_ms?.max ?? -1;
  }
}

// Sorted copy; ties by name so the order is stable across refreshes.
export function sortTools(rows: ToolRow[], key: ToolSort, desc: boolean): ToolRow[] {
  return [...rows].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va !== vb) {
      const c = va < vb ? -1 : 1;
      return desc ? -c : c;
    }
    return a.tool_name.localeCompare(b.tool_name);
  });
}

// The bar chart: the busiest tools (calls and error rate side by side).
export function chartRows(rows: ToolRow[], limit = 15): ToolRow[] {
  return [...rows].sort((a, b) => b.calls - a.calls || a.tool_name.localeCompare(b.tool_name)).slice(0, limit);
}

// "Load more": the next page appended, without repeating a failure already listed.
export function appendFailures(previous: ToolFailure[], page: ToolFailurePage): ToolFailure[] {
  const seen = new Set(previous.map((f) => `${f.session_id}\u0000${f.tool_use_id}`));
  const out = [...previous];
  for (const f of page.failures) {
    const key = `${f.session_id}\u0000${f.tool_use_id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}

export function failureHref(f: ToolFailure): string {
  const base = `/sessions/${encodeURIComponent(f.session_id)}`;
  return f.tool_use_id ? `${base}?tool_use_id=${encodeURIComponent(f.tool_use_id)}` : base;
}

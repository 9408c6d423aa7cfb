// Reading the status report (/api/v1/status, the same JSON as `agent-trace status --json`).
// The server's /healthz answer inside it is untyped JSON; these functions pick out what the
// status page shows and never throw on a missing or mistyped field. Unit-tested in
// status.test.ts.

export type Json = unknown;

function get(value: Json, path: string[]): Json {
  let at: Json = value;
  for (const key of path) {
    if (at === null || typeof at !== "object" || Array.isArray(at)) return undefined;
    at = (at as Record<string, Json>)[key];
  }
  return at;
}

export function num(value: Json, ...path: string[]): number | null {
  const v = get(value, path);
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export function str(value: Json, ...path: string[]): string {
  const v = get(value, path);
  return typeof v === "string" ? v : "";
}

export function bool(value: Json, ...path: string[]): boolean | null {
  const v = get(value, path);
  return typeof v === "boolean" ? v : null;
}

export function obj(value: Json, ...path: string[]): Record<string, Json> {
  const v = get(value, path);
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, Json>) : {};
}

export interface ReceiverRow {
  receiver: string;
  requests: number | null;
  accepted: number | null;
  rejected: number | null;
  reasons: [string, number][];
}

// Accepted / rejected per receiver, with the reasons for rejections, largest first.
export function receiverRows(health: Json): ReceiverRow[] {
  const reasons = (value: Json): [string, number][] =>
    Object.entries(obj(value))
      .filter((e): e is [string, number] => typeof e[1] === "number")
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const ingest = obj(health, "ingest");
  const rows: ReceiverRow[] = [];
  if (Object.keys(obj(ingest, "hooks")).length > 0) {
    rows.push({
      receiver: "hooks (POST /v1/hooks)",
      requests: null,
      accepted: num(ingest, "hooks", "accepted"),
      rejected: num(ingest, "hooks", "rejected"),
      reasons: reasons(get(ingest, ["hooks", "rejected_by_reason"])),
    });
  }
  for (const signal of ["logs", "metrics", "traces"]) {
    const s = obj(ingest, "otlp", signal);
    if (Object.keys(s).length === 0) continue;
    rows.push({
      receiver: `OTLP ${signal}`,
      requests: num(s, "requests"),
      accepted: num(s, "accepted"),
      rejected: num(s, "rejected"),
      reasons: reasons(s.rejected_by_reason),
    });
  }
  return rows;
}

export interface ScopeWiring {
  scope: string;
  path: string;
  exists: boolean;
  error: string;
  hook_events_wired: number;
  hook_events_known: number;
  missing_events: string[];
  hook_commands: string[];
  hooks_disabled: boolean;
  telemetry: Record<string, string>;
}

export function wiringScopes(report: Json): ScopeWiring[] {
  const list = get(report, ["claude_code"]);
  if (!Array.isArray(list)) return [];
  return list.map((s: Json) => {
    const strings = (v: Json) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
    const telemetry: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj(s, "telemetry"))) telemetry[k] = typeof v === "string" ? v : JSON.stringify(v);
    return {
      scope: str(s, "scope"),
      path: str(s, "path"),
      exists: bool(s, "exists") === true,
      error: str(s, "error"),
      hook_events_wired: num(s, "hook_events_wired") ?? 0,
      hook_events_known: num(s, "hook_events_known") ?? 0,
      missing_events: strings(get(s, ["missing_events"])),
      hook_commands: strings(get(s, ["hook_commands"])),
      hooks_disabled: bool(s, "hooks_disabled") === true,
      telemetry,
    };
  });
}

// One line per settings scope, as `agent-trace status` prints it.
export function wiringSummary(s: ScopeWiring): { text: string; tone: "good" | "warn" | "bad" | "dim" } {
  if (!s.exists) return { text: "no file", tone: "dim" };
  if (s.error) return { text: `invalid: ${s.error}`, tone: "bad" };
  let text = `${s.hook_events_wired}/${s.hook_events_known} hook events`;
  if (s.hooks_disabled) text += " (all hooks disabled)";
  const endpoint = s.telemetry.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint) {
    const on = s.telemetry.CLAUDE_CODE_ENABLE_TELEMETRY === "1";
    text += `, OTEL ${on ? "" : "(not enabled) "}→ ${endpoint}`;
  } else if (Object.keys(s.telemetry).length > 0) {
    text += ", OTEL partly set";
  } else {
    text += ", no OTEL";
  }
  const tone = s.hooks_disabled ? "bad" : s.hook_events_wired === 0 ? "warn" : s.missing_events.length > 0 ? "warn" : "good";
  return { text, tone };
}

// The store's age for an event time: "stale" when capture looks stopped.
export function isStale(iso: string | null, now: number, afterMs = 24 * 3600 * 1000): boolean {
  if (!iso) return false;
  const t = new Date(iso).getTime();
  return Number.isFinite(t) && now - t > afterMs;
}

// "5 min", "90 s", "2 h": the active-sessions window.
export function windowText(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

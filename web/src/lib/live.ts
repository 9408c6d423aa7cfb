// The live page's data: the stream URL, canonical events parsed from SSE messages, a bounded
// newest-first list without duplicates (a reconnect replays from Last-Event-ID and may repeat
// what is already shown), the events/min rate and a one-line summary per event. Pure
// functions: unit-tested in live.test.ts.
import { formatCompact, formatDuration, formatUsd, shortModel } from "./format";

// The canonical kinds the stream sends as SSE event names (docs/api.md, "Live stream").
export const KINDS = [
  "session_start",
  "session_end",
  "user_prompt",
  "api_request",
  "api_error",
  "tool_start",
  "tool_end",
  "tool_error",
  "permission",
  "subagent_start",
  "subagent_stop",
  "compact",
  "notification",
  "metric",
  "commit",
  "turn_end",
  "other",
] as const;

// Kind filters offered besides single kinds: value = the stream's comma list.
export const KIND_PRESETS: { label: string; value: string }[] = [
  { label: "all kinds", value: "" },
  { label: "prompts", value: "user_prompt" },
  { label: "model calls", value: "api_request,api_error" },
  { label: "tool calls", value: "tool_start,tool_end,tool_error" },
  { label: "errors", value: "tool_error,api_error" },
  { label: "sessions", value: "session_start,session_end,turn_end" },
  { label: "subagents", value: "subagent_start,subagent_stop" },
  { label: "no metrics", value: KINDS.filter((k) => k !== "metric").join(",") },
];

export const MAX_EVENTS = 1000;

export interface LiveEvent {
  // The store sequence (the SSE id), null if the message carried none.
  seq: number | null;
  event_id: string;
  source: string;
  kind: string;
  ts: string;
  ingest_ts?: string;
  session_id?: string;
  agent_id?: string;
  prompt_id?: string;
  tool_use_id?: string;
  user?: string;
  project?: string;
  cwd?: string;
  model?: string;
  input_tokens?: number;
  output_tokens?: number;
  cache_write_5m_tokens?: number;
  cache_write_1h_tokens?: number;
  cache_read_tokens?: number;
  cost_usd?: number;
  cost_source?: string;
  tool_name?: string;
  duration_ms?: number;
  success?: boolean;
  error?: string;
  tier?: number;
  attrs: Record<string, unknown>;
}

export interface StreamFilters {
  session: string;
  project: string;
  kind: string;
}

// Stored events a newly opened page starts with (the stream's ?tail=N), newest last.
export const TAIL_EVENTS = 100;

// A resume (lastEventId) replays what was missed; otherwise `tail` asks for the last stored
// events matching the filters first. The server takes one or the other, and a reconnecting
// EventSource's Last-Event-ID header wins over a tail still in the URL.
export function streamUrl(filters: StreamFilters, lastEventId?: string | null, tail = 0): string {
  const params = new URLSearchParams();
  if (filters.session.trim()) params.set("session_id", filters.session.trim());
  if (filters.project.trim()) params.set("project", filters.project.trim());
  if (filters.kind) params.set("kind", filters.kind);
  if (lastEventId) params.set("last_event_id", lastEventId);
  else if (tail > 0) params.set("tail", String(Math.min(Math.floor(tail), 1000)));
  const text = params.toString();
  return `/api/v1/stream${text ? `?${text}` : ""}`;
}

// One SSE message -> event, or null when its data is not an event object.
export function parseEvent(data: string, lastEventId: string, eventName: string): LiveEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const raw = value as Record<string, unknown>;
  const seq = /^\d+$/.test(lastEventId) ? Number(lastEventId) : null;
  const eventId = typeof raw.event_id === "string" && raw.event_id ? raw.event_id : seq !== null ? `seq:${seq}` : "";
  if (!eventId) return null;
  const attrs = raw.attrs !== null && typeof raw.attrs === "object" && !Array.isArray(raw.attrs) ? raw.attrs : {};
  return {
    ...(raw as Partial<LiveEvent>),
    seq,
    event_id: eventId,
    source: typeof raw.source === "string" ? raw.source : "",
    kind: typeof raw.kind === "string" ? raw.kind : eventName,
    ts: typeof raw.ts === "string" ? raw.ts : "",
    attrs: attrs as Record<string, unknown>,
  };
}

export interface LiveList {
  events: LiveEvent[];
  ids: Set<string>;
  // The highest store sequence seen: where a reconnect resumes.
  lastSeq: number | null;
}

export function emptyList(): LiveList {
  return { events: [], ids: new Set(), lastSeq: null };
}

// Adds events (in arrival order) to the newest-first list, skipping ones already shown, and
// keeps at most `max`. Returns the same list object when nothing was new.
export function addEvents(list: LiveList, incoming: LiveEvent[], max = MAX_EVENTS): LiveList {
  const fresh: LiveEvent[] = [];
  const ids = new Set(list.ids);
  let lastSeq = list.lastSeq;
  for (const e of incoming) {
    if (e.seq !== null && (lastSeq === null || e.seq > lastSeq)) lastSeq = e.seq;
    if (ids.has(e.event_id)) continue;
    ids.add(e.event_id);
    fresh.push(e);
  }
  if (fresh.length === 0) return lastSeq === list.lastSeq ? list : { ...list, lastSeq };
  fresh.reverse();
  const events = fresh.concat(list.events);
  if (events.length > max) {
    for (const dropped of events.splice(max)) ids.delete(dropped.event_id);
  }
  return { events, ids, lastSeq };
}

// When an event counts as having arrived (ms), for the rate: when it was stored, if the server
// says so and that is not in the future, else now. The tail a page opens with (and a replay
// after a reconnect) are mostly older than a minute and so do not count as new arrivals.
export function arrivalTime(e: LiveEvent, now: number): number {
  const stored = e.ingest_ts ? Date.parse(e.ingest_ts) : NaN;
  return Number.isFinite(stored) ? Math.min(stored, now) : now;
}

// Events per minute over the last 60 s of arrival times (ms); also drops older arrivals.
export function ratePerMinute(arrivals: number[], now: number): { rate: number; kept: number[] } {
  const kept = arrivals.filter((t) => now - t < 60_000);
  return { rate: kept.length, kept };
}

function text(value: unknown, max = 90): string {
  if (typeof value !== "string") return "";
  const oneLine = value.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

function field(attrs: Record<string, unknown>, ...path: string[]): unknown {
  let at: unknown = attrs;
  for (const key of path) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

// What a tool call was about, when the privacy tier kept its input.
function toolDetail(attrs: Record<string, unknown>): string {
  for (const key of ["command", "file_path", "pattern", "url", "description", "prompt", "query"]) {
    const v = text(field(attrs, "tool_input", key), 70);
    if (v) return v;
  }
  return "";
}

function tokensText(e: LiveEvent): string {
  const parts: string[] = [];
  if (e.input_tokens) parts.push(`in ${formatCompact(e.input_tokens)}`);
  if (e.output_tokens) parts.push(`out ${formatCompact(e.output_tokens)}`);
  const writes = (e.cache_write_5m_tokens ?? 0) + (e.cache_write_1h_tokens ?? 0);
  if (writes) parts.push(`cache write ${formatCompact(writes)}`);
  if (e.cache_read_tokens) parts.push(`cache read ${formatCompact(e.cache_read_tokens)}`);
  return parts.join(" · ");
}

const OBVIOUS_HOOKS = new Set(["PreToolUse", "PostToolUse", "PostToolUseFailure", "UserPromptSubmit", "SessionStart", "SessionEnd"]);

function metricValue(v: number): string {
  return Math.abs(v) >= 1000 ? formatCompact(v) : String(Number(v.toPrecision(4)));
}

// A compact, one-line description of an event.
export function summarize(e: LiveEvent): string {
  const a = e.attrs;
  const parts: string[] = [];
  const add = (s: string | undefined | null) => {
    if (s) parts.push(s);
  };
  switch (e.kind) {
    case "api_request":
      add(tokensText(e));
      if (e.cost_usd !== undefined) add(`${formatUsd(e.cost_usd)}${e.cost_source ? ` (${e.cost_source})` : ""}`);
      if (e.duration_ms !== undefined) add(formatDuration(e.duration_ms));
      break;
    case "api_error":
      add(e.error || text(a.error) || text(a.status_text));
      if (typeof a.status === "number" || typeof a.status === "string") add(`status ${a.status}`);
      break;
    case "tool_start":
      add(toolDetail(a));
      break;
    case "tool_end":
      add(e.success === false ? "failed" : "ok");
      if (e.duration_ms !== undefined) add(formatDuration(e.duration_ms));
      add(toolDetail(a));
      break;
    case "tool_error":
      add(e.error || text(a.error) || "failed");
      if (e.duration_ms !== undefined) add(formatDuration(e.duration_ms));
      break;
    case "user_prompt": {
      const prompt = text(a.prompt);
      if (prompt) add(`“${prompt}”`);
      else if (typeof a.prompt_length === "number") add(`${formatCompact(a.prompt_length)} characters`);
      break;
    }
    case "permission":
      add(text(a.decision) || text(a.permission_decision) || text(field(a, "hookSpecificOutput", "decision")));
      add(text(a.message));
      break;
    case "session_start":
      add(text(a.source));
      break;
    case "session_end":
      add(text(a.reason));
      break;
    case "subagent_start":
    case "subagent_stop":
      add(text(a.agent_type) || text(a.subagent_type));
      add(e.agent_id ? `agent ${e.agent_id.slice(0, 8)}` : "");
      break;
    case "compact":
      add(text(a.trigger));
      if (typeof a.pre_tokens === "number") add(`${formatCompact(a.pre_tokens)} tokens before`);
      break;
    case "notification":
      add(text(a.message));
      break;
    case "metric": {
      const name = text(a.metric);
      const value = typeof a.value === "number" ? metricValue(a.value) : "";
      add(name ? `${name}${value ? ` = ${value}` : ""}${typeof a.unit === "string" && a.unit ? ` ${a.unit}` : ""}` : "");
      break;
    }
    default:
      break;
  }
  if (parts.length === 0) {
    // The hook's own name tells apart what one kind covers (Stop / SubagentStop / StopFailure);
    // the ones that only repeat the kind are left out.
    const event = text(a.hook_event_name) || text(a.event_name);
    if (event && event !== e.kind && !OBVIOUS_HOOKS.has(event)) add(event);
  }
  return parts.join(" · ");
}

// Model or tool name, whichever the event carries.
export function subject(e: LiveEvent): string {
  if (e.tool_name) return e.tool_name;
  if (e.model) return shortModel(e.model);
  return "";
}

export function kindTone(kind: string, e?: LiveEvent): "bad" | "warn" | "good" | "" {
  if (kind === "tool_error" || kind === "api_error") return "bad";
  if (kind === "tool_end" && e?.success === false) return "bad";
  if (kind === "permission" || kind === "compact") return "warn";
  if (kind === "session_start" || kind === "session_end") return "good";
  return "";
}

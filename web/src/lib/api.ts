// Typed access to agent-trace's REST API (docs/api.md). The dashboard is served on the same
// origin as the API, so every path is relative. With serve's --auth-token, every request
// carries the token stored in this browser (lib/auth.ts); a refusal is ApiError status 401.
import { apiHeaders, getToken } from "./auth";

export interface Tokens {
  input: number;
  output: number;
  cache_write_5m: number;
  cache_write_1h: number;
  cache_read: number;
  total: number;
}

export interface SessionCounts {
  events: number;
  prompts: number;
  model_calls: number;
  tool_calls: number;
  tool_errors: number;
  api_errors: number;
  subagents: number;
  compactions: number;
  permission_denials: number;
}

export interface SessionCost {
  usd: number;
  reported_usd: number;
  computed_usd: number;
  reported_calls: number;
  computed_calls: number;
  unpriced_calls: number;
}

export interface SessionRow {
  session_id: string;
  project: string;
  cwd: string;
  user: string;
  host: string;
  git_branch: string;
  app_version: string;
  title: string;
  first_ts: string;
  last_ts: string;
  duration_ms: number;
  primary_model: string;
  models: string[];
  counts: SessionCounts;
  tokens: Tokens;
  cost: SessionCost;
  sources: string[];
  has_errors: boolean;
}

export interface SessionPage {
  sessions: SessionRow[];
  next_cursor: string | null;
  total?: number;
}

export interface UsageTotals {
  calls: number;
  cost_usd: number;
  tokens: Tokens;
  reported_cost_usd: number;
  computed_cost_usd: number;
  unpriced_calls: number;
  cache_hit_ratio: number | null;
}

export interface UsageSplit {
  key: string;
  calls: number;
  cost_usd: number;
  tokens: Tokens;
  unpriced_calls: number;
}

export interface UsageGroup extends UsageTotals {
  key: string;
  split?: UsageSplit[];
}

export interface UsageReport {
  by: string;
  // With split=model|project|user (by=day only): what each day's `split` list is keyed by.
  split?: string;
  zone: string;
  since: string | null;
  until: string | null;
  groups: UsageGroup[];
  totals: UsageTotals;
  unattributed_cost_usd?: number;
}

export interface Block {
  start: string;
  end: string;
  active: boolean;
  first_call: string;
  last_call: string;
  calls: number;
  tokens: Tokens;
  cost_usd: number;
  unpriced_calls: number;
  models: string[];
  burn_tokens_per_minute: number;
  burn_usd_per_hour: number;
  projected_cost_usd: number | null;
  projected_total_tokens: number | null;
}

export interface BlocksReport {
  zone: string;
  now: string;
  blocks: Block[];
  active: Block | null;
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface ToolStats {
  tool_name: string;
  calls: number;
  errors: number;
  denied: number;
  pending: number;
  error_rate: number;
  cost_usd: number;
  duration_ms: Percentiles | null;
}

export interface ToolsReport {
  zone: string;
  tools: ToolStats[];
  totals: { calls: number; errors: number; denied: number; pending: number; error_rate: number };
}

export interface ToolFailure {
  session_id: string;
  project: string;
  agent_id: string;
  tool_use_id: string;
  tool_name: string;
  ts: string;
  duration_ms: number | null;
  result: string;
}

export interface ToolFailurePage {
  failures: ToolFailure[];
  next_cursor: string | null;
}

export interface ModelStats {
  model: string;
  calls: number;
  priced_calls: number;
  unpriced_calls: number;
  tokens: Tokens;
  cost_usd: number;
  cache_hit_ratio: number | null;
  latency_ms: Percentiles | null;
}

export interface ModelsReport {
  zone: string;
  models: ModelStats[];
}

// GET /api/v1/status: the same report as `agent-trace status --json`. Only the parts the
// dashboard reads are typed; the rest is shown as it comes.
export interface StatusReport {
  healthy: boolean;
  server: {
    url: string;
    reachable: boolean;
    http_status: number;
    error: string;
    health: Record<string, unknown> | null;
  };
  data_dir: string;
  store: {
    path: string;
    exists: boolean;
    bytes: number;
    wal_bytes: number;
    error: string;
    sources: {
      source: string;
      events_last_hour: number;
      events_total: number;
      last_event_at: string | null;
      last_ingest_at: string | null;
    }[];
  };
  spool: { dir: string; pending_records: number | null };
  dlq: { dir: string; count: number | null };
  problems: { problem: string; fix: string }[];
  warnings: string[];
  checked_at: string;
  active_sessions?: { count: number; window_s: number; session_ids: string[] };
  [key: string]: unknown;
}

export interface ApiErrorBody {
  error: { code: string; message: string; param?: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

// Builds "path?k=v" skipping empty values, so optional filters never send "k=".
export function buildUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function getJson<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  const response = await fetch(buildUrl(path, query), {
    signal,
    headers: apiHeaders(getToken()),
  });
  const text = await response.text();
  if (!response.ok) {
    let code = `http_${response.status}`;
    let message = text || response.statusText;
    try {
      const body = JSON.parse(text) as ApiErrorBody;
      code = body.error.code;
      message = body.error.message;
    } catch {
      // not the API's JSON error shape: keep the raw text
    }
    throw new ApiError(response.status, code, message);
  }
  return JSON.parse(text) as T;
}

export const api = {
  sessions: (query: Query, signal?: AbortSignal) =>
    getJson<SessionPage>("/api/v1/sessions", query, signal),
  session: (id: string, signal?: AbortSignal) =>
    getJson<SessionDetail>(`/api/v1/sessions/${encodeURIComponent(id)}`, {}, signal),
  timeline: (id: string, view: "flat" | "tree", signal?: AbortSignal) =>
    getJson<Record<string, unknown>>(
      `/api/v1/sessions/${encodeURIComponent(id)}/timeline`,
      { view },
      signal,
    ),
  usage: (query: Query, signal?: AbortSignal) =>
    getJson<UsageReport>("/api/v1/analytics/usage", query, signal),
  tools: (query: Query, signal?: AbortSignal) =>
    getJson<ToolsReport>("/api/v1/analytics/tools", query, signal),
  toolFailures: (query: Query, signal?: AbortSignal) =>
    getJson<ToolFailurePage>("/api/v1/analytics/tools/failures", query, signal),
  models: (query: Query, signal?: AbortSignal) =>
    getJson<ModelsReport>("/api/v1/analytics/models", query, signal),
  blocks: (query: Query, signal?: AbortSignal) =>
    getJson<BlocksReport>("/api/v1/blocks", query, signal),
  status: (signal?: AbortSignal) => getJson<StatusReport>("/api/v1/status", {}, signal),
};

export interface CallTotals {
  calls: number;
  tokens: Tokens;
  cost_usd: number;
  reported_cost_usd: number;
  computed_cost_usd: number;
  reported_calls: number;
  computed_calls: number;
  unpriced_calls: number;
}

export interface SessionDetail {
  session: SessionRow;
  totals: CallTotals;
  main_thread: CallTotals;
  by_model: { model: string; totals: CallTotals }[];
  subagents: {
    index: number;
    agent_id: string;
    agent_type: string;
    parent_agent_id: string;
    spawned_by_tool_use_id: string;
    start_ts: string;
    end_ts: string;
    duration_ms: number;
    tool_calls: number;
    tool_errors: number;
    sources: string[];
    own: CallTotals;
    with_children: CallTotals;
  }[];
  cost_comparison: {
    calls_with_both: number;
    reported_usd: number;
    computed_usd: number;
    difference_usd: number;
    difference_ratio: number;
  };
}

// ---- Session timeline (GET /api/v1/sessions/{id}/timeline, src/query/timeline_json.cpp) ----

export interface TimelineModelCall {
  type: "model_call";
  index: number;
  ts: string | null; // when the response ended
  start_ts: string | null; // null when no layer timed the call (transcript only)
  duration_ms: number | null;
  agent_id: string;
  prompt_index: number | null;
  prompt_id: string;
  request_id: string;
  message_id: string;
  model: string;
  query_source?: string;
  tokens: Tokens;
  tokens_from: string;
  cost_usd: number | null; // null: unpriced
  reported_cost_usd: number | null;
  computed_cost_usd: number | null;
  sources: string[];
  tool_use_ids: string[];
}

export type ToolResult = "ok" | "error" | "denied" | "pending";

export interface TimelineToolCall {
  type: "tool_call";
  index: number;
  ts: string | null;
  start_ts: string | null;
  end_ts: string | null;
  duration_ms: number | null;
  tool_use_id: string;
  tool_name: string;
  agent_id: string;
  result: ToolResult | string;
  error?: string;
  permission?: string;
  permission_source?: string;
  spawned_agent_id?: string;
  prompt_index: number | null;
  model_call_index: number | null;
  request_id: string;
  sources: string[];
}

// compaction, permission, notification, api_error, turn_end, subagent_start, subagent_stop,
// session_start, session_end.
export interface TimelineMarker {
  type: string;
  ts: string | null;
  agent_id: string;
  prompt_id?: string;
  detail?: string;
  duration_ms?: number;
  sources: string[];
}

export interface TimelinePrompt {
  index: number;
  prompt_id: string;
  ts: string | null;
  end_ts: string | null;
  duration_ms: number;
  text?: string; // only when the privacy tier stored prompt text
  sources: string[];
  model_calls: number;
  tool_calls: number;
  totals: CallTotals;
}

export interface SubagentSummary {
  index: number;
  agent_id: string;
  agent_type: string;
  parent_agent_id: string;
  spawned_by_tool_use_id: string;
  start_ts: string | null;
  end_ts: string | null;
  duration_ms: number | null;
  tool_calls: number;
  tool_errors: number;
  sources: string[];
  own: CallTotals;
  with_children: CallTotals;
}

export interface TimelineSubagent extends SubagentSummary {
  calls: TimelineModelCall[];
  tools: TimelineToolCall[];
  children: TimelineSubagent[];
}

export interface TimelinePromptNode extends TimelinePrompt {
  calls: TimelineModelCall[];
  tools: TimelineToolCall[];
  subagents: TimelineSubagent[];
}

export interface TimelineTree {
  session: SessionRow;
  view: "tree";
  prompts: TimelinePromptNode[];
  unattributed: { calls: TimelineModelCall[]; tools: TimelineToolCall[]; subagents: TimelineSubagent[] };
  markers: TimelineMarker[];
}

export type TimelineFlatEntry =
  | ({ type: "prompt" } & TimelinePrompt)
  | TimelineModelCall
  | TimelineToolCall
  | TimelineMarker;

export interface TimelineFlat {
  session: SessionRow;
  view: "flat";
  entries: TimelineFlatEntry[];
}

export const timelineApi = {
  tree: (id: string, signal?: AbortSignal) =>
    getJson<TimelineTree>(
      `/api/v1/sessions/${encodeURIComponent(id)}/timeline`,
      { view: "tree" },
      signal,
    ),
  flat: (id: string, signal?: AbortSignal) =>
    getJson<TimelineFlat>(
      `/api/v1/sessions/${encodeURIComponent(id)}/timeline`,
      { view: "flat" },
      signal,
    ),
};

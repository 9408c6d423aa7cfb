// Turns a session's tree timeline (GET /api/v1/sessions/{id}/timeline?view=tree) into what the
// replay page draws: a tree of rows (prompt → its model calls, tool calls, markers and
// subagents, nested) and the same entries in time order, which is the order the replay steps
// through. The time order is the flat view's (src/query/timeline_json.cpp): by start time, then
// prompt < model call < tool call < marker, then each list's own order; so step N here is entry
// N of `?view=flat`.
import type {
  TimelineMarker,
  TimelineModelCall,
  TimelinePrompt,
  TimelinePromptNode,
  TimelineSubagent,
  TimelineToolCall,
  TimelineTree,
} from "./api";

export type NodeKind = "prompt" | "model_call" | "tool_call" | "marker" | "subagent" | "group";
export type Severity = "bad" | "warn" | "";

export interface ReplayNode {
  key: string; // unique: "prompt:0", "call:3", "tool:5", "marker:2", "agent:<id>", "unattributed"
  kind: NodeKind;
  type: string; // data-type: prompt | model_call | tool_call | the marker's kind | subagent | group
  step: number; // position in time order; -1 for subagent and group rows (not entries)
  depth: number;
  parentKey: string | null;
  start: number | null; // µs since the epoch
  end: number | null; // µs; equal to start for an instant
  point: boolean; // no duration known: drawn as a tick, not a bar
  severity: Severity;
  errors: number; // tool errors and API errors in this node and below
  denials: number; // permission denials in this node and below
  entries: number; // timeline entries in this node and below (itself included)
  children: ReplayNode[];
  prompt?: TimelinePrompt;
  call?: TimelineModelCall;
  tool?: TimelineToolCall;
  marker?: TimelineMarker;
  subagent?: TimelineSubagent;
}

export interface ReplayModel {
  roots: ReplayNode[];
  steps: ReplayNode[]; // every entry in time order; steps[n].step === n
  byKey: Map<string, ReplayNode>;
  toolStep: Map<string, number>; // tool_use_id → step
  callStep: Map<number, number>; // model call index → step
  agents: Map<string, ReplayNode>; // agent_id → subagent node
  toolNames: Map<string, string>; // tool_use_id → tool name
  start: number | null;
  end: number | null;
}

// ISO-8601 → microseconds since the epoch, keeping the API's microsecond precision (Date.parse
// stops at milliseconds, and two events a few µs apart must keep their order).
export function parseTs(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/.exec(iso);
  if (!m) {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? null : ms * 1000;
  }
  const ms = Date.parse(`${m[1]}${m[3] ?? "Z"}`);
  if (Number.isNaN(ms)) return null;
  const frac = m[2] ? Number((m[2] + "000000").slice(0, 6)) : 0;
  return ms * 1000 + frac;
}

export function isDenial(decision: string | undefined): boolean {
  if (!decision) return false;
  const d = decision.toLowerCase();
  return d === "reject" || d === "deny" || d === "denied" || d === "rejected";
}

export function toolSeverity(tool: TimelineToolCall): Severity {
  if (tool.result === "error") return "bad";
  if (tool.result === "denied" || isDenial(tool.permission)) return "warn";
  return "";
}

export function markerSeverity(marker: TimelineMarker): Severity {
  if (marker.type === "api_error") return "bad";
  if (marker.type === "permission") {
    const decision = (marker.detail ?? "").split(" ")[0];
    if (isDenial(decision)) return "warn";
  }
  return "";
}

// Markers that describe the whole session rather than one prompt's work.
const SESSION_MARKERS = new Set(["session_start", "session_end"]);

// Rank at equal start times: the flat view's order, with a subagent after the tool that
// spawned it.
const RANK: Record<NodeKind, number> = {
  prompt: 0,
  group: 0,
  model_call: 1,
  tool_call: 2,
  subagent: 2.5,
  marker: 3,
};

function sortKey(n: ReplayNode): number {
  return n.start ?? Number.POSITIVE_INFINITY;
}

function byTime(a: ReplayNode, b: ReplayNode): number {
  const ta = sortKey(a);
  const tb = sortKey(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return RANK[a.kind] - RANK[b.kind];
}

interface Entry {
  node: ReplayNode;
  ts: number; // the flat view's sort time (0 when unknown, as the server does)
  rank: number;
  list: number; // index in its own list
}

export function buildReplay(tree: TimelineTree): ReplayModel {
  const byKey = new Map<string, ReplayNode>();
  const entries: Entry[] = [];
  const agents = new Map<string, ReplayNode>();
  const toolNames = new Map<string, string>();

  const node = (
    key: string,
    kind: NodeKind,
    type: string,
    start: number | null,
    end: number | null,
    point: boolean,
    severity: Severity,
  ): ReplayNode => {
    const n: ReplayNode = {
      key,
      kind,
      type,
      step: -1,
      depth: 0,
      parentKey: null,
      start,
      end: end ?? start,
      point,
      severity,
      errors: 0,
      denials: 0,
      entries: 0,
      children: [],
    };
    byKey.set(key, n);
    return n;
  };

  const callNode = (c: TimelineModelCall): ReplayNode => {
    const end = parseTs(c.ts);
    const start = parseTs(c.start_ts) ?? end;
    const n = node(`call:${c.index}`, "model_call", "model_call", start, end, c.start_ts === null, "");
    n.call = c;
    entries.push({ node: n, ts: start ?? 0, rank: 1, list: c.index });
    return n;
  };

  const toolNode = (t: TimelineToolCall): ReplayNode => {
    const s = parseTs(t.start_ts);
    const e = parseTs(t.end_ts);
    const start = s ?? e;
    const end = e ?? s;
    const n = node(`tool:${t.index}`, "tool_call", "tool_call", start, end, s === null || e === null, toolSeverity(t));
    n.tool = t;
    if (t.tool_use_id) toolNames.set(t.tool_use_id, t.tool_name);
    entries.push({ node: n, ts: parseTs(t.ts) ?? 0, rank: 2, list: t.index });
    return n;
  };

  const agentNode = (a: TimelineSubagent): ReplayNode => {
    const start = parseTs(a.start_ts);
    const end = parseTs(a.end_ts);
    const n = node(`agent:${a.agent_id}`, "subagent", "subagent", start, end, end === null, "");
    n.subagent = a;
    agents.set(a.agent_id, n);
    n.children.push(...a.calls.map(callNode), ...a.tools.map(toolNode), ...a.children.map(agentNode));
    return n;
  };

  const promptNodes: ReplayNode[] = tree.prompts.map((p: TimelinePromptNode) => {
    const start = parseTs(p.ts);
    const n = node(`prompt:${p.index}`, "prompt", "prompt", start, parseTs(p.end_ts), false, "");
    const { calls, tools, subagents, ...fields } = p;
    n.prompt = fields;
    entries.push({ node: n, ts: start ?? 0, rank: 0, list: p.index });
    n.children.push(...calls.map(callNode), ...tools.map(toolNode), ...subagents.map(agentNode));
    return n;
  });

  const roots: ReplayNode[] = [...promptNodes];
  const un = tree.unattributed;
  if (un && un.calls.length + un.tools.length + un.subagents.length > 0) {
    const group = node("unattributed", "group", "group", null, null, false, "");
    group.children.push(...un.calls.map(callNode), ...un.tools.map(toolNode), ...un.subagents.map(agentNode));
    roots.push(group);
  }

  // Markers: a subagent's own go inside it; the rest to the prompt they name or whose span
  // holds them; session start/end and anything else stays at the top.
  const promptById = new Map<string, ReplayNode>();
  for (const p of promptNodes) if (p.prompt?.prompt_id) promptById.set(p.prompt.prompt_id, p);
  tree.markers.forEach((m, i) => {
    const ts = parseTs(m.ts);
    const end = ts !== null && m.duration_ms ? ts + m.duration_ms * 1000 : ts;
    const n = node(`marker:${i}`, "marker", m.type, ts, end, !m.duration_ms, markerSeverity(m));
    n.marker = m;
    entries.push({ node: n, ts: ts ?? 0, rank: 3, list: i });
    let parent: ReplayNode | undefined;
    if (m.agent_id) parent = agents.get(m.agent_id);
    if (!parent && !SESSION_MARKERS.has(m.type)) {
      if (m.prompt_id) parent = promptById.get(m.prompt_id);
      if (!parent && ts !== null) {
        for (const p of promptNodes) {
          if (p.start !== null && p.end !== null && p.start <= ts && ts <= p.end) parent = p;
        }
      }
    }
    (parent ? parent.children : roots).push(n);
  });

  // Depths, parents, spans of groups, error counts; children in time order.
  const finish = (n: ReplayNode, depth: number, parentKey: string | null): void => {
    n.depth = depth;
    n.parentKey = parentKey;
    let errors = n.severity === "bad" ? 1 : 0;
    let denials = n.severity === "warn" ? 1 : 0;
    let count = n.kind === "subagent" || n.kind === "group" ? 0 : 1;
    for (const c of n.children) {
      finish(c, depth + 1, n.key);
      errors += c.errors;
      denials += c.denials;
      count += c.entries;
      if (n.kind === "group" || n.start === null) {
        if (c.start !== null && (n.start === null || c.start < n.start)) n.start = c.start;
      }
      if (n.kind === "group" || n.end === null) {
        const ce = c.end ?? c.start;
        if (ce !== null && (n.end === null || ce > n.end)) n.end = ce;
      }
    }
    n.children.sort(byTime);
    n.errors = errors;
    n.denials = denials;
    n.entries = count;
  };
  for (const r of roots) finish(r, 0, null);
  roots.sort(byTime);

  entries.sort((a, b) => a.ts - b.ts || a.rank - b.rank || a.list - b.list);
  const steps = entries.map((e, i) => {
    e.node.step = i;
    return e.node;
  });
  const toolStep = new Map<string, number>();
  const callStep = new Map<number, number>();
  let start: number | null = null;
  let end: number | null = null;
  for (const s of steps) {
    if (s.tool?.tool_use_id) toolStep.set(s.tool.tool_use_id, s.step);
    if (s.call) callStep.set(s.call.index, s.step);
    if (s.start !== null && (start === null || s.start < start)) start = s.start;
    const e = s.end ?? s.start;
    if (e !== null && (end === null || e > end)) end = e;
  }
  for (const a of agents.values()) {
    if (a.end !== null && (end === null || a.end > end)) end = a.end;
  }
  return { roots, steps, byKey, toolStep, callStep, agents, toolNames, start, end };
}

// Keys of the rows that contain `key` (outermost first).
export function ancestorKeys(model: ReplayModel, key: string): string[] {
  const out: string[] = [];
  let n = model.byKey.get(key);
  while (n && n.parentKey) {
    out.unshift(n.parentKey);
    n = model.byKey.get(n.parentKey);
  }
  return out;
}

// The top-level row that holds `key` (itself when at the top).
export function rootOf(model: ReplayModel, key: string): ReplayNode | undefined {
  let n = model.byKey.get(key);
  while (n && n.parentKey) n = model.byKey.get(n.parentKey);
  return n;
}

// The rows to collapse at first: none for a session that renders quickly whole; for a long one,
// every prompt (the row headers stay, with their cost and error counts), so the page opens at
// once and a prompt's rows are drawn when it is opened or stepped into.
export const EXPAND_ALL_LIMIT = 1200;

export function initialCollapsed(model: ReplayModel): Set<string> {
  const collapsed = new Set<string>();
  if (model.steps.length <= EXPAND_ALL_LIMIT) return collapsed;
  for (const r of model.roots) if (r.children.length > 0) collapsed.add(r.key);
  return collapsed;
}

export function collapsibleKeys(model: ReplayModel): string[] {
  const out: string[] = [];
  for (const n of model.byKey.values()) if (n.children.length > 0) out.push(n.key);
  return out;
}

// The rows on screen, depth first, skipping what collapsed rows hide.
export function visibleRows(model: ReplayModel, collapsed: Set<string>): ReplayNode[] {
  const out: ReplayNode[] = [];
  const walk = (nodes: ReplayNode[]) => {
    for (const n of nodes) {
      out.push(n);
      if (!collapsed.has(n.key)) walk(n.children);
    }
  };
  walk(model.roots);
  return out;
}

export interface PromptCost {
  index: number;
  step: number;
  ts: string | null;
  text: string | undefined;
  calls: number;
  tools: number;
  cost: number;
  unpriced: number;
  errors: number;
  share: number; // of the largest prompt's cost, 0..1, for the bar
}

export function promptCosts(model: ReplayModel): PromptCost[] {
  const rows: PromptCost[] = [];
  for (const r of model.roots) {
    if (r.kind !== "prompt" || !r.prompt) continue;
    const p = r.prompt;
    rows.push({
      index: p.index,
      step: r.step,
      ts: p.ts,
      text: p.text,
      calls: p.totals.calls,
      tools: p.tool_calls,
      cost: p.totals.cost_usd,
      unpriced: p.totals.unpriced_calls,
      errors: r.errors,
      share: 0,
    });
  }
  const max = rows.reduce((m, r) => Math.max(m, r.cost), 0);
  for (const r of rows) r.share = max > 0 ? r.cost / max : 0;
  return rows;
}

// One line of text for a prompt: the first non-empty line, shortened.
export function promptSnippet(text: string | undefined, max = 120): string | undefined {
  if (text === undefined) return undefined;
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
  const trimmed = line.trim();
  return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;
}

// Where the step cursor goes for a URL: ?tool_use_id= wins (links from the tools page), then
// ?step=, else the first entry. `missing` names a tool_use_id that is not in this session.
export function stepFromQuery(
  model: ReplayModel,
  query: URLSearchParams,
): { step: number | null; missingTool: string | null } {
  const total = model.steps.length;
  const toolUseId = query.get("tool_use_id");
  if (toolUseId) {
    const s = model.toolStep.get(toolUseId);
    if (s !== undefined) return { step: s, missingTool: null };
  }
  const missingTool = toolUseId && !model.toolStep.has(toolUseId) ? toolUseId : null;
  const raw = query.get("step");
  if (raw !== null && /^\d+$/.test(raw) && total > 0) {
    return { step: Math.min(Number(raw), total - 1), missingTool };
  }
  return { step: total > 0 ? 0 : null, missingTool };
}

// The earliest step in a row and the rows below it (-1 when none): where "go to subagent" lands.
export function firstStep(node: ReplayNode): number {
  let best = node.step;
  for (const c of node.children) {
    const s = firstStep(c);
    if (s >= 0 && (best < 0 || s < best)) best = s;
  }
  return best;
}

// The span of a row and everything below it (a prompt's subagents can outlast the prompt).
export function subtreeSpan(node: ReplayNode): [number, number] | null {
  let lo = node.start;
  let hi = node.end ?? node.start;
  for (const c of node.children) {
    const span = subtreeSpan(c);
    if (!span) continue;
    if (lo === null || span[0] < lo) lo = span[0];
    if (hi === null || span[1] > hi) hi = span[1];
  }
  return lo === null || hi === null ? null : [lo, hi];
}

// The next step after `from` (or before it, backwards) that is an error or a denial.
export function nextFlagged(model: ReplayModel, from: number, forward: boolean): number | null {
  const n = model.steps.length;
  for (let i = 1; i <= n; i++) {
    const s = forward ? from + i : from - i;
    if (s < 0 || s >= n) return null;
    if (model.steps[s].severity) return s;
  }
  return null;
}

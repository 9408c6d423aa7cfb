import { describe, expect, it } from "vitest";
import type { TimelineFlat, TimelineTree } from "./api";
import {
  ancestorKeys,
  buildReplay,
  EXPAND_ALL_LIMIT,
  initialCollapsed,
  parseTs,
  promptCosts,
  promptSnippet,
  rootOf,
  stepFromQuery,
  visibleRows,
  type ReplayNode,
} from "./timeline";
// Real answers of the API for two harness captures (tests/fixtures/captures/subagent-like
// two-models session and tool-failure), all three layers stored.
import subagentTree from "./fixtures/timeline-60c215cb-tree.json";
import subagentFlat from "./fixtures/timeline-60c215cb-flat.json";
import failureTree from "./fixtures/timeline-487b3825-tree.json";
import failureFlat from "./fixtures/timeline-487b3825-flat.json";

const trees = { subagent: subagentTree as unknown as TimelineTree, failure: failureTree as unknown as TimelineTree };
const flats = { subagent: subagentFlat as unknown as TimelineFlat, failure: failureFlat as unknown as TimelineFlat };

function identity(n: ReplayNode): string {
  if (n.prompt) return `prompt:${n.prompt.index}`;
  if (n.call) return `model_call:${n.call.index}`;
  if (n.tool) return `tool_call:${n.tool.index}`;
  return `${n.marker?.type}@${n.marker?.ts}`;
}

function flatIdentity(e: TimelineFlat["entries"][number]): string {
  if (e.type === "prompt" || e.type === "model_call" || e.type === "tool_call") {
    return `${e.type}:${(e as { index: number }).index}`;
  }
  return `${e.type}@${e.ts}`;
}

describe("parseTs", () => {
  it("keeps microseconds", () => {
    expect(parseTs("2026-11-25T20:43:24.269038Z")).toBe(Date.UTC(2026, 10, 25, 20, 43, 24, 269) * 1000 + 38);
    expect(parseTs("2026-11-25T20:43:24.324Z")).toBe(Date.UTC(2026, 10, 25, 20, 43, 24, 324) * 1000);
    expect(parseTs("2026-11-25T20:43:24Z")).toBe(Date.UTC(2026, 10, 25, 20, 43, 24) * 1000);
    expect(parseTs("2026-11-25T21:43:24.5+01:00")).toBe(Date.UTC(2026, 10, 25, 20, 43, 24, 500) * 1000);
    expect(parseTs(null)).toBeNull();
    expect(parseTs("not a time")).toBeNull();
  });
});

describe("buildReplay", () => {
  for (const name of ["subagent", "failure"] as const) {
    it(`steps through the entries in the flat view's order (${name})`, () => {
      const model = buildReplay(trees[name]);
      expect(model.steps.map(identity)).toEqual(flats[name].entries.map(flatIdentity));
      model.steps.forEach((s, i) => expect(s.step).toBe(i));
    });
  }

  it("nests a subagent under the prompt and tool that spawned it", () => {
    const model = buildReplay(trees.subagent);
    const agent = model.agents.get("a01fd118d8c9abf78");
    expect(agent).toBeDefined();
    expect(agent!.parentKey).toBe("prompt:0");
    expect(agent!.subagent!.with_children.cost_usd).toBeCloseTo(0.00079025, 10);
    expect(agent!.children.map((c) => c.key)).toEqual(["marker:1", "call:1", "tool:1", "call:3"]);
    expect(agent!.step).toBe(-1);
    expect(model.toolNames.get(agent!.subagent!.spawned_by_tool_use_id)).toBe("Agent");
    // the spawning tool comes right before its subagent
    const prompt = model.byKey.get("prompt:0")!;
    const keys = prompt.children.map((c) => c.key);
    expect(keys.indexOf("agent:a01fd118d8c9abf78")).toBe(keys.indexOf("tool:0") + 1);
    expect(ancestorKeys(model, "tool:1")).toEqual(["prompt:0", "agent:a01fd118d8c9abf78"]);
    expect(rootOf(model, "call:3")?.key).toBe("prompt:0");
  });

  it("keeps session markers at the top and turn ends in their prompt", () => {
    const model = buildReplay(trees.subagent);
    const top = model.roots.map((r) => r.type);
    expect(top).toEqual([
      "session_start",
      "prompt",
      "prompt",
      "session_end",
      "session_start",
      "prompt",
      "session_end",
    ]);
    expect(model.byKey.get("prompt:1")!.children.map((c) => c.type)).toEqual(["model_call", "turn_end"]);
  });

  it("counts errors and puts the API error in its prompt", () => {
    const model = buildReplay(trees.failure);
    const prompt = model.byKey.get("prompt:0")!;
    expect(prompt.errors).toBe(4); // three failed tools and one API error
    const apiError = prompt.children.find((c) => c.type === "api_error");
    expect(apiError?.severity).toBe("bad");
    expect(model.byKey.get("tool:0")!.severity).toBe("bad");
    expect(model.toolStep.get("toolu_62ae8c08de520cac099d1248")).toBe(model.byKey.get("tool:2")!.step);
  });

  it("gives every entry a span inside the session's", () => {
    const model = buildReplay(trees.subagent);
    expect(model.start).toBe(parseTs("2026-11-25T20:43:24.269038Z"));
    expect(model.end).toBe(parseTs("2026-11-25T20:43:27.171337Z"));
    for (const s of model.steps) {
      expect(s.start).not.toBeNull();
      expect(s.end! >= s.start!).toBe(true);
    }
    // a model call timed by OTEL is a bar; its start is the response time minus the duration
    const call = model.byKey.get("call:0")!;
    expect(call.point).toBe(false);
    expect(call.end! - call.start!).toBe(22_000);
  });

  it("marks transcript-only calls as instants", () => {
    const tree = structuredClone(trees.subagent);
    tree.prompts[0].calls[0].start_ts = null;
    tree.prompts[0].calls[0].duration_ms = null;
    const call = buildReplay(tree).byKey.get("call:0")!;
    expect(call.point).toBe(true);
    expect(call.start).toBe(call.end);
  });

  it("puts what no prompt claims in a group", () => {
    const tree = structuredClone(trees.subagent);
    const moved = tree.prompts[2].calls.splice(0, 1);
    tree.unattributed.calls.push(...moved);
    const model = buildReplay(tree);
    const group = model.byKey.get("unattributed")!;
    expect(group.children.map((c) => c.key)).toEqual([`call:${moved[0].index}`]);
    expect(group.start).toBe(parseTs(moved[0].start_ts));
    expect(group.entries).toBe(1);
  });
});

describe("rows and collapsing", () => {
  it("hides the rows under a collapsed row", () => {
    const model = buildReplay(trees.subagent);
    const all = visibleRows(model, new Set());
    expect(all.length).toBe(model.byKey.size);
    const folded = visibleRows(model, new Set(["agent:a01fd118d8c9abf78"]));
    expect(all.length - folded.length).toBe(4);
    expect(initialCollapsed(model).size).toBe(0);
  });

  it("collapses every prompt of a long session at first", () => {
    const tree = structuredClone(trees.subagent);
    const template = tree.prompts[2];
    tree.prompts = [];
    for (let i = 0; i < EXPAND_ALL_LIMIT; i++) {
      tree.prompts.push({ ...template, index: i, calls: [], tools: [], subagents: [] });
    }
    tree.prompts[0].calls = template.calls;
    const model = buildReplay(tree);
    expect(model.steps.length).toBeGreaterThan(EXPAND_ALL_LIMIT);
    const collapsed = initialCollapsed(model);
    expect(collapsed.has("prompt:0")).toBe(true);
    expect(collapsed.has("prompt:1")).toBe(false); // nothing to fold
  });
});

describe("promptCosts", () => {
  it("lists each prompt's cost; together they are the session's", () => {
    const model = buildReplay(trees.subagent);
    const rows = promptCosts(model);
    expect(rows.map((r) => r.index)).toEqual([0, 1, 2]);
    const sum = rows.reduce((s, r) => s + r.cost, 0);
    expect(sum).toBeCloseTo(trees.subagent.session.cost.usd, 9);
    expect(Math.max(...rows.map((r) => r.share))).toBe(1);
    expect(rows[0].text).toBe("Ask a quick helper to print the date, then summarize.");
  });

  it("shortens a prompt to its first line", () => {
    expect(promptSnippet("\n  hello\nworld")).toBe("hello");
    expect(promptSnippet("x".repeat(200), 10)).toBe(`${"x".repeat(9)}…`);
    expect(promptSnippet(undefined)).toBeUndefined();
  });
});

describe("stepFromQuery", () => {
  const model = buildReplay(trees.failure);
  it("selects the tool call a failure link names", () => {
    const q = new URLSearchParams("tool_use_id=toolu_91e8a7796b139ff436622ee5&step=0");
    expect(stepFromQuery(model, q)).toEqual({ step: model.byKey.get("tool:1")!.step, missingTool: null });
  });
  it("reads step=N, clamped; first entry by default", () => {
    expect(stepFromQuery(model, new URLSearchParams("step=3")).step).toBe(3);
    expect(stepFromQuery(model, new URLSearchParams("step=99999")).step).toBe(model.steps.length - 1);
    expect(stepFromQuery(model, new URLSearchParams("step=-2")).step).toBe(0);
    expect(stepFromQuery(model, new URLSearchParams("")).step).toBe(0);
  });
  it("reports a tool call that is not in the session", () => {
    expect(stepFromQuery(model, new URLSearchParams("tool_use_id=toolu_nope"))).toEqual({
      step: 0,
      missingTool: "toolu_nope",
    });
  });
});

describe("navigation helpers", () => {
  it("finds a subagent's first step, a prompt's whole span and the next error", async () => {
    const { firstStep, subtreeSpan, nextFlagged } = await import("./timeline");
    const model = buildReplay(trees.subagent);
    const agent = model.agents.get("a01fd118d8c9abf78")!;
    expect(firstStep(agent)).toBe(model.byKey.get("marker:1")!.step);
    const prompt = model.byKey.get("prompt:0")!;
    expect(subtreeSpan(prompt)).toEqual([prompt.start, agent.end]);
    const failures = buildReplay(trees.failure);
    const first = nextFlagged(failures, -1, true)!;
    expect(failures.steps[first].key).toBe("tool:0");
    expect(nextFlagged(failures, first, false)).toBeNull();
    const last = failures.steps.length - 1;
    expect(failures.steps[nextFlagged(failures, last, false)!].type).toBe("api_error");
  });
});

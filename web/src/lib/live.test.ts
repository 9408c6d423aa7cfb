import { describe, expect, it } from "vitest";
import {
  TAIL_EVENTS,
  addEvents,
  arrivalTime,
  emptyList,
  kindTone,
  parseEvent,
  ratePerMinute,
  streamUrl,
  subject,
  summarize,
  type LiveEvent,
} from "./live";

// The data line of a real stream message (docs/api.md, "Live stream").
const TOOL_START =
  '{"event_id":"63f7328bfe6cd87e825a1bf007ba6a04","source":"hook","kind":"tool_start","ts":"2026-11-26T03:16:06.539528Z","ingest_ts":"2026-11-26T03:16:06.539528Z","session_id":"s1","tool_use_id":"t1","user":"me","host":"laptop","project":"-home-me-demo","cwd":"/home/me/demo","tool_name":"Bash","tier":1,"attrs":{"hook_event_name":"PreToolUse","transcript_path":"/home/me/.claude/projects/-home-me-demo/s1.jsonl"}}';

function ev(id: string, seq: number | null, extra: Partial<LiveEvent> = {}): LiveEvent {
  return { seq, event_id: id, source: "hook", kind: "tool_start", ts: "2026-11-26T03:16:06Z", attrs: {}, ...extra };
}

describe("stream URL", () => {
  it("sends only the filters that are set", () => {
    expect(streamUrl({ session: "", project: "", kind: "" })).toBe("/api/v1/stream");
    expect(streamUrl({ session: " s1 ", project: "", kind: "tool_start,tool_end" })).toBe(
      "/api/v1/stream?session_id=s1&kind=tool_start%2Ctool_end",
    );
    expect(streamUrl({ session: "", project: "-home-me-demo", kind: "" }, "4182")).toBe(
      "/api/v1/stream?project=-home-me-demo&last_event_id=4182",
    );
  });

  it("asks for the last stored events on a first open, never together with a resume", () => {
    expect(TAIL_EVENTS).toBe(100);
    expect(streamUrl({ session: "s1", project: "", kind: "tool_end" }, null, TAIL_EVENTS)).toBe(
      "/api/v1/stream?session_id=s1&kind=tool_end&tail=100",
    );
    expect(streamUrl({ session: "", project: "", kind: "" }, "17", TAIL_EVENTS)).toBe("/api/v1/stream?last_event_id=17");
    expect(streamUrl({ session: "", project: "", kind: "" }, null, 0)).toBe("/api/v1/stream");
    expect(streamUrl({ session: "", project: "", kind: "" }, null, 5000)).toBe("/api/v1/stream?tail=1000");
  });
});

describe("parsing messages", () => {
  it("reads the canonical event and the store sequence", () => {
    const e = parseEvent(TOOL_START, "4182", "tool_start");
    expect(e).not.toBeNull();
    expect(e).toMatchObject({
      seq: 4182,
      event_id: "63f7328bfe6cd87e825a1bf007ba6a04",
      kind: "tool_start",
      session_id: "s1",
      tool_name: "Bash",
    });
    expect(e?.attrs.hook_event_name).toBe("PreToolUse");
  });

  it("rejects what is not an event object", () => {
    expect(parseEvent("not json", "1", "x")).toBeNull();
    expect(parseEvent("[1]", "1", "x")).toBeNull();
    expect(parseEvent("{}", "", "x")).toBeNull();
    // No event_id: the sequence stands in.
    expect(parseEvent('{"kind":"other"}', "7", "other")?.event_id).toBe("seq:7");
  });
});

describe("the event list", () => {
  it("puts the newest first and remembers the highest sequence", () => {
    const list = addEvents(emptyList(), [ev("a", 1), ev("b", 2)]);
    expect(list.events.map((e) => e.event_id)).toEqual(["b", "a"]);
    expect(list.lastSeq).toBe(2);
  });

  it("does not repeat events a reconnect replays", () => {
    let list = addEvents(emptyList(), [ev("a", 1), ev("b", 2)]);
    list = addEvents(list, [ev("b", 2), ev("c", 3)]);
    expect(list.events.map((e) => e.event_id)).toEqual(["c", "b", "a"]);
    const same = addEvents(list, [ev("a", 1)]);
    expect(same).toBe(list);
  });

  it("keeps at most max events and forgets the dropped ids", () => {
    let list = emptyList();
    for (let i = 0; i < 12; i++) list = addEvents(list, [ev(`e${i}`, i)], 10);
    expect(list.events).toHaveLength(10);
    expect(list.events[0].event_id).toBe("e11");
    expect(list.events[9].event_id).toBe("e2");
    expect(list.ids.size).toBe(10);
    expect(list.ids.has("e0")).toBe(false);
  });
});

describe("rate", () => {
  it("counts arrivals of the last minute", () => {
    const now = 1_000_000;
    const { rate, kept } = ratePerMinute([now - 61_000, now - 59_000, now - 1000, now], now);
    expect(rate).toBe(3);
    expect(kept).toHaveLength(3);
  });

  it("dates an event by when it was stored, so the opening tail is not a burst", () => {
    const now = Date.parse("2026-11-26T03:20:00Z");
    const old = ev("a", 1, { ingest_ts: "2026-11-26T03:16:06.539528Z" });
    const fresh = ev("b", 2, { ingest_ts: "2026-11-26T03:19:59.5Z" });
    const ahead = ev("c", 3, { ingest_ts: "2026-11-26T03:25:00Z" });
    const undated = ev("d", 4);
    const times = [old, fresh, ahead, undated].map((e) => arrivalTime(e, now));
    expect(times).toEqual([Date.parse("2026-11-26T03:16:06.539Z"), now - 500, now, now]);
    expect(ratePerMinute(times, now).rate).toBe(3);
  });
});

describe("summaries", () => {
  it("describes a model call by its tokens, cost and duration", () => {
    const e = ev("m", 1, {
      kind: "api_request",
      model: "claude-sonnet-4-5-20250929",
      input_tokens: 1200,
      output_tokens: 35,
      cache_read_tokens: 24000,
      cost_usd: 0.0123,
      cost_source: "reported",
      duration_ms: 2300,
    });
    expect(summarize(e)).toBe("in 1.20k · out 35 · cache read 24.0k · $0.0123 (reported) · 2.30 s");
    expect(subject(e)).toBe("sonnet-4-5");
  });

  it("describes tool calls, errors and prompts", () => {
    expect(summarize(ev("t", 1, { kind: "tool_start", tool_name: "Bash", attrs: { tool_input: { command: "npm   test" } } }))).toBe(
      "npm test",
    );
    expect(summarize(ev("t", 1, { kind: "tool_end", success: true, duration_ms: 250 }))).toBe("ok · 250 ms");
    expect(summarize(ev("t", 1, { kind: "tool_error", error: "exit_code:1" }))).toBe("exit_code:1");
    expect(summarize(ev("p", 1, { kind: "user_prompt", attrs: { prompt_length: 1500 } }))).toBe("1.50k characters");
    expect(summarize(ev("p", 1, { kind: "user_prompt", attrs: { prompt: "fix the\nbuild" } }))).toBe("“fix the build”");
    expect(summarize(ev("x", 1, { kind: "metric", attrs: { metric: "claude_code.cost.usage", value: 0.5, unit: "USD" } }))).toBe(
      "claude_code.cost.usage = 0.5 USD",
    );
  });

  it("falls back to the hook event name", () => {
    expect(summarize(ev("t", 1, { kind: "other", attrs: { hook_event_name: "PreCompact" } }))).toBe("PreCompact");
    expect(summarize(ev("t", 1, { kind: "turn_end", attrs: { hook_event_name: "SubagentStop" } }))).toBe("SubagentStop");
    // Names that only repeat the kind add nothing.
    expect(summarize(ev("t", 1, { kind: "tool_start", attrs: { hook_event_name: "PreToolUse" } }))).toBe("");
  });

  it("marks errors", () => {
    expect(kindTone("tool_error")).toBe("bad");
    expect(kindTone("tool_end", ev("t", 1, { success: false }))).toBe("bad");
    expect(kindTone("api_request")).toBe("");
  });
});

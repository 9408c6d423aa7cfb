// The replay waterfall: one row per prompt, model call, tool call and marker, nested (prompt →
// its calls, tools and subagents), each with a bar on a time axis shared by all rows. Rows are
// real nested elements (a subagent's rows sit inside its [data-testid=subagent] node); a long
// session opens with its prompts folded, so only the rows someone opened are in the page.
import { Component } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Axis, Tick } from "../lib/waterfall";
import { axisTicks, barFor, niceStep } from "../lib/waterfall";
import type { ReplayModel, ReplayNode } from "../lib/timeline";
import { promptSnippet } from "../lib/timeline";
import { formatClock, formatCompact, formatDateTime, formatDuration, formatUsd, shortModel } from "../lib/format";

export const CONTENT_HINT = "content not stored (tier 1)";

export interface WaterfallProps {
  model: ReplayModel;
  axis: Axis;
  zone: string;
  collapsed: Set<string>;
  current: number | null;
  active: Set<string>; // keys of the current row and the rows that contain it
  onSelect: (step: number) => void;
  onToggle: (key: string) => void;
}

// Tick labels: clock time (HH:MM, HH:MM:SS, or MM-DD HH:MM across days); below a second per
// step, the ticks between whole seconds show only the seconds (":14.25").
function tickLabel(tick: Tick, zone: string, multiDay: boolean): string {
  const iso = new Date(tick.t / 1000).toISOString();
  if (tick.step < 1e6) {
    const clock = formatClock(iso, zone);
    // whole seconds anchor the axis with the full time, the ticks between show the fraction
    return tick.t % 1e6 === 0 ? clock.slice(0, 8) : `:${clock.slice(6).replace(/0+$/, "")}`;
  }
  if (multiDay && tick.step >= 6e7) return formatDateTime(iso, zone).slice(5, 16);
  return formatClock(iso, zone).slice(0, tick.step >= 6e7 ? 5 : 8);
}

// How many tick labels fit, and how far apart they must be (fraction of the width): a label is
// about 6.5 px a character plus some air. Sub-second labels (":14.25") are shorter than clock
// times, so a short span gets more ticks; the gap always leaves room for the longer kind.
function tickSpacing(width: number, axis: Axis): { count: number; minGap: number } {
  const multiDay = axis.t1 - axis.t0 > 864e8;
  const px = (chars: number) => chars * 6.5 + 12;
  const w = Math.max(width, px(11) * 2);
  const longest = px(multiDay ? 11 : 8);
  const short = Math.max(2, Math.floor(w / px(6)));
  const count = niceStep(axis.t1 - axis.t0, short) < 1e6 ? short : Math.max(2, Math.floor(w / longest));
  return { count, minGap: longest / w };
}

function AxisHeader(props: {
  axis: Axis;
  zone: string;
  ticks: Tick[];
  trackRef: { current: HTMLDivElement | null };
}) {
  const multiDay = props.axis.t1 - props.axis.t0 > 864e8;
  return (
    <div class="wf-row wf-head" aria-hidden="true">
      <div class="wf-label">Entry</div>
      <div class="wf-num">Start</div>
      <div class="wf-num">Duration</div>
      <div class="wf-num">Cost</div>
      <div class="wf-track" ref={props.trackRef}>
        {props.axis.segments
          .filter((s) => s.gap)
          .map((s) => (
            <span
              key={`g${s.t0}`}
              class="wf-gap"
              style={{ left: `${s.x0 * 100}%`, width: `${(s.x1 - s.x0) * 100}%` }}
              title={`idle ${formatDuration((s.t1 - s.t0) / 1000)}`}
            />
          ))}
        {props.ticks.map((t) => (
          <span
            key={t.t}
            class="wf-tick"
            style={{ left: `${t.x * 100}%` }}
            title={formatDateTime(new Date(t.t / 1000).toISOString(), props.zone)}
          >
            {tickLabel(t, props.zone, multiDay)}
          </span>
        ))}
      </div>
    </div>
  );
}

// Vertical guides under the rows: the axis ticks and the squeezed idle gaps.
function Guides(props: { axis: Axis; ticks: Tick[] }) {
  return (
    <div class="wf-guides" aria-hidden="true">
      {props.axis.segments
        .filter((s) => s.gap)
        .map((s) => (
          <span
            key={`g${s.t0}`}
            class="wf-gap"
            style={{ left: `${s.x0 * 100}%`, width: `${(s.x1 - s.x0) * 100}%` }}
          />
        ))}
      {props.ticks.map((t) => (
        <span key={t.t} class="wf-guide" style={{ left: `${t.x * 100}%` }} />
      ))}
    </div>
  );
}

function usIso(us: number | null): string | null {
  return us === null ? null : new Date(us / 1000).toISOString();
}

function ResultPill(props: { result: string }) {
  const r = props.result;
  const tone = r === "error" ? "bad" : r === "denied" ? "warn" : r === "pending" ? "" : "good";
  return <span class={`pill ${tone}`}>{r}</span>;
}

function barClass(n: ReplayNode): string {
  if (n.kind === "tool_call") {
    if (n.severity === "bad") return "wf-bar bar-bad";
    if (n.severity === "warn") return "wf-bar bar-warn";
    if (n.tool?.result === "pending") return "wf-bar bar-pending";
    return "wf-bar bar-tool";
  }
  if (n.kind === "model_call") return "wf-bar bar-call";
  if (n.kind === "prompt") return "wf-bar bar-prompt";
  if (n.kind === "subagent") return "wf-bar bar-agent";
  if (n.kind === "group") return "wf-bar bar-prompt";
  return `wf-bar bar-marker${n.severity ? ` bar-${n.severity}` : ""} marker-${n.type}`;
}

function Label(props: { node: ReplayNode; model: ReplayModel }) {
  const n = props.node;
  if (n.prompt) {
    const snippet = promptSnippet(n.prompt.text);
    return (
      <>
        <span class="wf-kind kind-prompt">Prompt {n.prompt.index + 1}</span>
        {snippet !== undefined ? (
          <span class="wf-text" title={n.prompt.text}>
            {snippet || <span class="dim">(empty)</span>}
          </span>
        ) : (
          <span class="wf-text dim content-hint">{CONTENT_HINT}</span>
        )}
      </>
    );
  }
  if (n.call) {
    const c = n.call;
    return (
      <>
        <span class="wf-kind kind-call">{shortModel(c.model) || "model call"}</span>
        <span class="wf-text dim">{formatCompact(c.tokens.total)} tok</span>
        {c.cost_usd === null ? <span class="pill warn">unpriced</span> : null}
      </>
    );
  }
  if (n.tool) {
    const t = n.tool;
    return (
      <>
        <span class="wf-kind kind-tool">{t.tool_name || "tool"}</span>
        {t.result !== "ok" ? <ResultPill result={t.result} /> : null}
        {t.error ? <span class="wf-text bad">{t.error}</span> : null}
        {t.permission && n.severity === "warn" && t.result !== "denied" ? (
          <span class="pill warn">{t.permission}</span>
        ) : null}
      </>
    );
  }
  if (n.subagent) {
    const a = n.subagent;
    const spawner = props.model.toolNames.get(a.spawned_by_tool_use_id);
    const own = formatUsd(a.own.cost_usd);
    const all = formatUsd(a.with_children.cost_usd);
    return (
      <>
        <span
          class="wf-kind kind-agent"
          title={`subagent ${a.agent_type || "(untyped)"} ${a.agent_id}${spawner ? `, spawned by ${spawner}` : ""}`}
        >
          {a.agent_type || "subagent"}
        </span>
        <span class="wf-text dim wf-small" title="own cost (its model calls) · with the subagents it spawned">
          {spawner ? `via ${spawner} · ` : ""}own {own}
          {all !== own ? ` · all ${all}` : ""}
        </span>
      </>
    );
  }
  if (n.kind === "group") {
    return (
      <>
        <span class="wf-kind">Unattributed</span>
        <span class="wf-text dim">calls no prompt claims</span>
      </>
    );
  }
  const m = n.marker!;
  return (
    <>
      <span class={`wf-kind kind-marker marker-${m.type}${n.severity ? ` ${n.severity}` : ""}`}>
        {m.type.replace(/_/g, " ")}
      </span>
      {m.detail ? <span class="wf-text dim">{m.detail}</span> : null}
    </>
  );
}

function costOf(n: ReplayNode): { text: string; tone: string; title?: string } {
  if (n.prompt) return { text: formatUsd(n.prompt.totals.cost_usd), tone: "" };
  if (n.call) {
    if (n.call.cost_usd === null) return { text: "—", tone: "warn", title: "unpriced: no price for this model" };
    return { text: formatUsd(n.call.cost_usd), tone: "" };
  }
  if (n.subagent) {
    const own = n.subagent.own.cost_usd;
    const all = n.subagent.with_children.cost_usd;
    return {
      text: formatUsd(all),
      tone: "",
      title: `own ${formatUsd(own)} · with its subagents ${formatUsd(all)}`,
    };
  }
  return { text: "", tone: "" };
}

function durationOf(n: ReplayNode): number | null {
  if (n.prompt) return n.prompt.duration_ms;
  if (n.call) return n.call.duration_ms;
  if (n.tool) return n.tool.duration_ms;
  if (n.subagent) return n.subagent.duration_ms;
  if (n.marker) return n.marker.duration_ms ?? null;
  if (n.start !== null && n.end !== null) return (n.end - n.start) / 1000;
  return null;
}

function Bar(props: { node: ReplayNode; axis: Axis; zone: string }) {
  const n = props.node;
  const bar = barFor(props.axis, n.start, n.end);
  if (!bar) {
    const before = n.start !== null && n.start < props.axis.t0;
    return <div class="wf-track">{n.start !== null ? <span class="wf-off">{before ? "◂" : "▸"}</span> : null}</div>;
  }
  const instant = n.point || bar.width === 0;
  const title = `${formatClock(usIso(n.start), props.zone)}${
    n.end !== null && n.end !== n.start ? ` → ${formatClock(usIso(n.end), props.zone)}` : ""
  }`;
  return (
    <div class="wf-track">
      <span
        class={`${barClass(n)}${instant ? " wf-point" : ""}${bar.clippedLeft ? " clip-l" : ""}${
          bar.clippedRight ? " clip-r" : ""
        }`}
        style={{ left: `${bar.left * 100}%`, width: instant ? undefined : `${bar.width * 100}%` }}
        title={title}
      />
    </div>
  );
}

interface NodeProps extends WaterfallProps {
  node: ReplayNode;
  isActive: boolean;
}

// Rows only re-render when what they show changes: the axis, the zone, folding, or the cursor
// entering or leaving them. Stepping through a long session touches two paths, not every row.
class NodeView extends Component<NodeProps> {
  shouldComponentUpdate(next: NodeProps): boolean {
    const p = this.props;
    return (
      next.node !== p.node ||
      next.axis !== p.axis ||
      next.zone !== p.zone ||
      next.collapsed !== p.collapsed ||
      next.isActive !== p.isActive ||
      (next.isActive && next.current !== p.current)
    );
  }

  render() {
    const p = this.props;
    const n = p.node;
    const hasChildren = n.children.length > 0;
    const open = hasChildren && !p.collapsed.has(n.key);
    const isCurrent = n.step >= 0 && n.step === p.current;
    const cost = costOf(n);
    const duration = durationOf(n);
    const errorCount = n.errors - (n.severity === "bad" ? 1 : 0);
    const denialCount = n.denials - (n.severity === "warn" ? 1 : 0);
    const row = (
      <div
        class={`wf-row kind-${n.kind}${n.severity ? ` sev-${n.severity}` : ""}${isCurrent ? " current" : ""}${
          n.step >= 0 ? " selectable" : ""
        }`}
        data-testid={n.step >= 0 ? "timeline-entry" : "subagent-head"}
        data-type={n.step >= 0 ? n.type : undefined}
        data-index={n.step >= 0 ? n.step : undefined}
        data-key={n.key}
        data-tool-use-id={n.tool?.tool_use_id || undefined}
        data-agent-id={n.tool?.agent_id || n.call?.agent_id || n.marker?.agent_id || undefined}
        aria-current={isCurrent ? "step" : undefined}
        onClick={n.step >= 0 ? () => p.onSelect(n.step) : hasChildren ? () => p.onToggle(n.key) : undefined}
      >
        <div class="wf-label" style={{ paddingLeft: `${n.depth * 16 + 4}px` }}>
          {hasChildren ? (
            <button
              type="button"
              class="wf-toggle"
              data-testid="collapse-toggle"
              aria-expanded={open ? "true" : "false"}
              title={open ? "Fold" : `Unfold (${n.entries} entries)`}
              onClick={(e) => {
                e.stopPropagation();
                p.onToggle(n.key);
              }}
            >
              {open ? "▾" : "▸"}
            </button>
          ) : (
            <span class="wf-toggle-space" />
          )}
          <Label node={n} model={p.model} />
          {hasChildren && !open ? <span class="dim wf-small">{n.entries} entries</span> : null}
          {errorCount > 0 ? <span class="pill bad">{errorCount} err</span> : null}
          {denialCount > 0 ? <span class="pill warn">{denialCount} denied</span> : null}
        </div>
        <div class="wf-num mono dim">{formatClock(usIso(n.start), p.zone)}</div>
        <div class="wf-num">{duration === null ? "" : formatDuration(duration)}</div>
        <div class={`wf-num ${cost.tone}`} title={cost.title}>
          {cost.text}
        </div>
        <Bar node={n} axis={p.axis} zone={p.zone} />
      </div>
    );
    const children = open ? (
      <div class="wf-children">
        {n.children.map((c) => (
          <NodeView key={c.key} {...p} node={c} isActive={p.active.has(c.key)} />
        ))}
      </div>
    ) : null;
    if (n.kind === "subagent" && n.subagent) {
      const a = n.subagent;
      return (
        <div
          class="wf-node wf-agent"
          data-testid="subagent"
          data-agent-id={a.agent_id}
          data-cost={a.with_children.cost_usd}
          data-own-cost={a.own.cost_usd}
          data-expanded={open ? "1" : "0"}
          style={{ "--wf-indent": `${n.depth * 16 + 11}px` }}
        >
          {row}
          {children}
        </div>
      );
    }
    if (hasChildren) {
      return (
        <div class="wf-node" data-key={n.key}>
          {row}
          {children}
        </div>
      );
    }
    return row;
  }
}

export function Waterfall(props: WaterfallProps) {
  const track = useRef<HTMLDivElement | null>(null);
  const [width, setWidth] = useState(400);
  useEffect(() => {
    const el = track.current;
    if (!el) return undefined;
    const update = () => setWidth(el.clientWidth || 400);
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const { count, minGap } = tickSpacing(width, props.axis);
  const ticks = axisTicks(props.axis, count, minGap);
  return (
    <div class="wf" aria-label="Session timeline">
      <AxisHeader axis={props.axis} zone={props.zone} ticks={ticks} trackRef={track} />
      <div class="wf-body">
        <Guides axis={props.axis} ticks={ticks} />
        {props.model.roots.map((r) => (
          <NodeView key={r.key} {...props} node={r} isActive={props.active.has(r.key)} />
        ))}
      </div>
    </div>
  );
}

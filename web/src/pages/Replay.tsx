// Replay (/sessions/:id): the session's header and cost, then its fused timeline as a waterfall
// that a step cursor walks in time order (buttons, j/k or ←/→; ?step=N is a deep link,
// ?tool_use_id= selects a tool call), with every field of the current entry beside it.
import { Component, type ComponentChildren } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { EmptyState, ErrorBox, Link, Loading, Page, Stat } from "../components/common";
import { StepDetail } from "../components/StepDetail";
import { CONTENT_HINT, Waterfall } from "../components/Waterfall";
import { ApiError, api, timelineApi } from "../lib/api";
import type { SessionDetail, TimelineTree } from "../lib/api";
import {
  formatCompact,
  formatDateTime,
  formatDuration,
  formatInt,
  formatPercent,
  formatUsd,
  shortId,
  shortModel,
  shortProject,
} from "../lib/format";
import { usePageKeys } from "../lib/pageHooks";
import { setQuery, useApp } from "../lib/router";
import {
  ancestorKeys,
  buildReplay,
  collapsibleKeys,
  initialCollapsed,
  nextFlagged,
  promptCosts,
  promptSnippet,
  rootOf,
  stepFromQuery,
  subtreeSpan,
  type ReplayModel,
} from "../lib/timeline";
import { activityIntervals, buildAxis } from "../lib/waterfall";
import { useFetch } from "../lib/useFetch";

interface Loaded {
  id: string;
  detail: SessionDetail;
  tree: TimelineTree;
}

export function ReplayPage(props: { id: string; query: URLSearchParams }) {
  const { id } = props;
  const state = useFetch<Loaded>(
    async (signal) => {
      const [detail, tree] = await Promise.all([api.session(id, signal), timelineApi.tree(id, signal)]);
      return { id, detail, tree };
    },
    id,
  );
  const data = state.data && state.data.id === id ? state.data : undefined;
  const error = state.error;

  if (error && !data) {
    if (error instanceof ApiError && error.status === 404) {
      return (
        <Page name="replay" title={`Session ${shortId(id)}`} ready={true} actions={<BackLink />}>
          <EmptyState title="No such session">
            <p>
              Nothing is stored for session <code>{id}</code>. It may belong to another data directory, or
              its transcript has not been imported yet.
            </p>
            <p>
              <Link href="/sessions" data-testid="replay-back">
                ← Back to the sessions
              </Link>
            </p>
          </EmptyState>
        </Page>
      );
    }
    return (
      <Page name="replay" title={`Session ${shortId(id)}`} ready={true} actions={<BackLink />}>
        <ErrorBox error={error} what="the session" />
      </Page>
    );
  }
  if (!data) {
    return (
      <Page name="replay" title={`Session ${shortId(id)}`} ready={false} actions={<BackLink />}>
        <Loading what="the session" />
      </Page>
    );
  }
  return <ReplayView key={id} detail={data.detail} tree={data.tree} query={props.query} />;
}

function BackLink() {
  return <Link href="/sessions">← Sessions</Link>;
}

type AxisMode = "session" | "prompt";

function ReplayView(props: { detail: SessionDetail; tree: TimelineTree; query: URLSearchParams }) {
  const { zone } = useApp();
  const { detail, tree, query } = props;
  const session = detail.session;
  const model = useMemo(() => buildReplay(tree), [tree]);
  const { step: current, missingTool } = stepFromQuery(model, query);
  const currentNode = current === null ? undefined : model.steps[current];

  const [collapsed, setCollapsed] = useState<Set<string>>(() => {
    const c = initialCollapsed(model);
    if (currentNode) for (const k of ancestorKeys(model, currentNode.key)) c.delete(k);
    return c;
  });
  // When the cursor moves, unfold what holds the new step (folding it again afterwards is the
  // user's choice, so this follows the cursor only).
  useEffect(() => {
    if (!currentNode) return;
    setCollapsed((prev) => {
      const hidden = ancestorKeys(model, currentNode.key).filter((k) => prev.has(k));
      if (hidden.length === 0) return prev;
      const next = new Set(prev);
      for (const k of hidden) next.delete(k);
      return next;
    });
  }, [currentNode, model]);

  const active = useMemo(() => {
    const s = new Set<string>();
    if (currentNode) {
      for (const k of ancestorKeys(model, currentNode.key)) s.add(k);
      s.add(currentNode.key);
    }
    return s;
  }, [model, currentNode]);

  const [axisMode, setAxisMode] = useState<AxisMode>("session");
  const intervals = useMemo(
    () => activityIntervals([...model.steps, ...model.agents.values()]),
    [model],
  );
  const focusRoot = currentNode ? rootOf(model, currentNode.key) : undefined;
  let domain: [number, number] | null = null;
  if (axisMode === "prompt" && focusRoot && (focusRoot.kind === "prompt" || focusRoot.kind === "group")) {
    const span = subtreeSpan(focusRoot);
    if (span) {
      const pad = Math.max(1000, (span[1] - span[0]) * 0.02);
      domain = [span[0] - pad, span[1] + pad];
    }
  }
  const d0 = domain?.[0];
  const d1 = domain?.[1];
  const axis = useMemo(
    () => buildAxis(intervals, d0 !== undefined && d1 !== undefined ? [d0, d1] : null),
    [intervals, d0, d1],
  );

  const goTo = (step: number) => {
    if (step < 0 || step >= model.steps.length) return;
    setQuery({ step: String(step), tool_use_id: null });
  };
  const toggle = (key: string) => {
    const next = new Set(collapsed);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setCollapsed(next);
  };
  const total = model.steps.length;
  const next = () => goTo(current === null ? 0 : Math.min(total - 1, current + 1));
  const prev = () => goTo(current === null ? 0 : Math.max(0, current - 1));
  const nextError = (forward: boolean) => {
    const s = nextFlagged(model, current ?? -1, forward);
    if (s !== null) goTo(s);
  };

  usePageKeys((event) => {
    if (event.key === "j" || event.key === "ArrowRight") {
      event.preventDefault();
      next();
    } else if (event.key === "k" || event.key === "ArrowLeft") {
      event.preventDefault();
      prev();
    } else if (event.key === "e") {
      nextError(true);
    } else if (event.key === "E") {
      nextError(false);
    }
  });

  // Scroll the current row into view when the cursor moves; on load only for a deep link.
  const first = useRef(true);
  useEffect(() => {
    const deepLink = query.has("step") || query.has("tool_use_id");
    const initial = first.current;
    first.current = false;
    if (current === null || (initial && !deepLink)) return undefined;
    // The row may appear a render later, once the prompt holding it is unfolded.
    let frame = 0;
    let tries = 0;
    const attempt = () => {
      const el = document.querySelector(`[data-testid="timeline-entry"][data-index="${current}"]`);
      if (el) el.scrollIntoView({ block: initial ? "center" : "nearest" });
      else if (++tries < 10) frame = window.requestAnimationFrame(attempt);
    };
    frame = window.requestAnimationFrame(attempt);
    return () => window.cancelAnimationFrame(frame);
  }, [current]);

  const totals = detail.totals;
  const counts = session.counts;
  const errors = counts.tool_errors + counts.api_errors;
  const flagged = model.steps.some((s) => s.severity);

  return (
    <Page
      name="replay"
      title={`Session ${shortId(session.session_id)}`}
      ready={true}
      actions={<BackLink />}
    >
      <SessionHeader detail={detail} zone={zone} />
      <div class="stats replay-stats">
        <Stat
          label="Cost"
          display={formatUsd(totals.cost_usd)}
          value={totals.cost_usd}
          testid="replay-total-cost"
          tone={totals.unpriced_calls > 0 ? "warn" : undefined}
        />
        <Stat
          label="Tokens"
          display={formatCompact(totals.tokens.total)}
          value={totals.tokens.total}
          testid="replay-tokens"
        />
        <Stat label="Prompts" display={formatInt(counts.prompts)} value={counts.prompts} testid="replay-prompts" />
        <Stat label="Model calls" display={formatInt(totals.calls)} value={totals.calls} testid="replay-calls" />
        <Stat
          label="Tool calls"
          display={formatInt(counts.tool_calls)}
          value={counts.tool_calls}
          testid="replay-tool-calls"
        />
        <Stat
          label="Errors"
          display={formatInt(errors)}
          value={errors}
          testid="replay-errors"
          tone={errors > 0 ? "bad" : undefined}
        />
        <Stat
          label="Subagents"
          display={formatInt(counts.subagents)}
          value={counts.subagents}
          testid="replay-subagents"
        />
        <Stat
          label="Compactions"
          display={formatInt(counts.compactions)}
          value={counts.compactions}
          testid="replay-compactions"
        />
        <Stat
          label="Denials"
          display={formatInt(counts.permission_denials)}
          value={counts.permission_denials}
          testid="replay-denials"
          tone={counts.permission_denials > 0 ? "warn" : undefined}
        />
      </div>
      <CostNote detail={detail} />
      {missingTool ? (
        <div class="banner" data-testid="replay-missing-tool">
          Tool call <code>{missingTool}</code> is not in this session's timeline; showing the first entry.
        </div>
      ) : null}

      <div class="replay-toolbar">
        <div class="replay-steps">
          <button type="button" data-testid="replay-step-prev" onClick={prev} disabled={!total || current === 0} title="Previous (k or ←)">
            ← Prev
          </button>
          <button
            type="button"
            data-testid="replay-step-next"
            onClick={next}
            disabled={!total || current === total - 1}
            title="Next (j or →)"
          >
            Next →
          </button>
          <span class="dim" data-testid="replay-position">
            {current === null ? "no entries" : `step ${current + 1} of ${total}`}
          </span>
          {flagged ? (
            <>
              <button type="button" data-testid="replay-prev-error" onClick={() => nextError(false)} title="Previous error or denial (E)">
                ◂ error
              </button>
              <button type="button" data-testid="replay-next-error" onClick={() => nextError(true)} title="Next error or denial (e)">
                error ▸
              </button>
            </>
          ) : null}
        </div>
        <div class="replay-view-opts">
          <span class="seg" role="group" aria-label="Time axis">
            <button
              type="button"
              class={axisMode === "session" ? "on" : undefined}
              aria-pressed={axisMode === "session"}
              onClick={() => setAxisMode("session")}
              title="One axis for the whole session (idle stretches over 5 minutes squeezed)"
            >
              Whole session
            </button>
            <button
              type="button"
              class={axisMode === "prompt" ? "on" : undefined}
              aria-pressed={axisMode === "prompt"}
              data-testid="replay-zoom-prompt"
              onClick={() => setAxisMode("prompt")}
              title="Zoom the axis to the prompt holding the current step"
            >
              Current prompt
            </button>
          </span>
          <button type="button" onClick={() => setCollapsed(new Set())} data-testid="replay-expand-all">
            Unfold all
          </button>
          <button
            type="button"
            onClick={() => setCollapsed(new Set(collapsibleKeys(model)))}
            data-testid="replay-collapse-all"
          >
            Fold all
          </button>
        </div>
      </div>

      <div class="replay-main">
        <div class="card wf-card">
          {total === 0 ? (
            <EmptyState title="No timeline">
              <p>
                This session has no prompts, model calls or tool calls stored. An import with{" "}
                <code>--usage-only</code> keeps model calls only; run <code>agent-trace import --full</code> for the
                timeline.
              </p>
            </EmptyState>
          ) : (
            <div class="wf-scroll">
              <Waterfall
                model={model}
                axis={axis}
                zone={zone}
                collapsed={collapsed}
                current={current}
                active={active}
                onSelect={goTo}
                onToggle={toggle}
              />
            </div>
          )}
          <Legend />
        </div>
        <aside class="card detail-card">
          <StepDetail model={model} node={currentNode} zone={zone} onJump={goTo} />
        </aside>
      </div>

      <Breakdown detail={detail} model={model} currentRoot={focusRoot?.key} zone={zone} onJump={goTo} />
    </Page>
  );
}

function SessionHeader(props: { detail: SessionDetail; zone: string }) {
  const s = props.detail.session;
  const item = (label: string, value: ComponentChildren, title?: string) => (
    <div class="meta-item" title={title}>
      <span class="meta-label">{label}</span>
      <span class="meta-value">{value}</span>
    </div>
  );
  return (
    <div class="card replay-meta">
      {s.title ? <div class="replay-title">{s.title}</div> : null}
      <div class="meta-row">
        {item("Project", shortProject(s.cwd || s.project), s.cwd || s.project)}
        {s.git_branch ? item("Branch", <span class="mono">{s.git_branch}</span>) : null}
        {item(
          "Models",
          s.models.length ? (
            s.models.map((m) => (
              <span key={m} class="pill" title={m}>
                {shortModel(m)}
              </span>
            ))
          ) : (
            <span class="dim">—</span>
          ),
        )}
        {item("Started", formatDateTime(s.first_ts, props.zone), s.first_ts)}
        {item("Ended", formatDateTime(s.last_ts, props.zone), s.last_ts)}
        {item("Duration", formatDuration(s.duration_ms))}
        {item(
          "Sources",
          s.sources.map((src) => (
            <span key={src} class="pill" data-testid="replay-source">
              {src}
            </span>
          )),
          "The layers that saw this session: hooks, OpenTelemetry, transcript",
        )}
        {s.app_version ? item("Claude Code", s.app_version) : null}
        {s.host ? item("Host", s.host) : null}
        {s.user ? item("User", shortId(s.user), s.user) : null}
        {item("Session", <span class="mono">{s.session_id}</span>)}
      </div>
    </div>
  );
}

function CostNote(props: { detail: SessionDetail }) {
  const t = props.detail.totals;
  const cmp = props.detail.cost_comparison;
  const differs = cmp.calls_with_both > 0 && Math.abs(cmp.difference_ratio) > 0.01;
  return (
    <>
      {t.unpriced_calls > 0 ? (
        <div class="banner" data-testid="replay-unpriced" data-value={t.unpriced_calls}>
          <strong>{formatInt(t.unpriced_calls)}</strong> model call{t.unpriced_calls === 1 ? "" : "s"} could not be
          priced (no reported cost and the model is not in the pricing table): the cost above leaves{" "}
          {t.unpriced_calls === 1 ? "it" : "them"} out.
        </div>
      ) : null}
      <p class="cost-note dim" data-testid="replay-cost-note">
        Cost takes Claude Code's reported figure where it sent one ({formatUsd(t.reported_cost_usd)} over{" "}
        {formatInt(t.reported_calls)} calls), else the pricing table's ({formatUsd(t.computed_cost_usd)} computed for{" "}
        {formatInt(t.computed_calls)} calls).
        {cmp.calls_with_both > 0 ? (
          <span class={differs ? "warn" : undefined}>
            {" "}
            On the {formatInt(cmp.calls_with_both)} calls with both, reported {formatUsd(cmp.reported_usd)} vs computed{" "}
            {formatUsd(cmp.computed_usd)}
            {differs ? ` (${formatPercent(cmp.difference_ratio)} apart)` : " (they agree)"}.
          </span>
        ) : null}
      </p>
    </>
  );
}

function Legend() {
  return (
    <div class="wf-legend dim">
      <span>
        <i class="sw bar-prompt" /> prompt
      </span>
      <span>
        <i class="sw bar-call" /> model call
      </span>
      <span>
        <i class="sw bar-tool" /> tool call
      </span>
      <span>
        <i class="sw bar-agent" /> subagent
      </span>
      <span>
        <i class="sw bar-bad" /> error
      </span>
      <span>
        <i class="sw bar-warn" /> denied
      </span>
      <span>
        <i class="sw sw-gap" /> idle (squeezed)
      </span>
      <span>
        keys: <kbd>j</kbd>/<kbd>k</kbd> step, <kbd>e</kbd> next error
      </span>
    </div>
  );
}

interface BreakdownProps {
  detail: SessionDetail;
  model: ReplayModel;
  currentRoot: string | undefined;
  zone: string;
  onJump: (step: number) => void;
}

// Cost per prompt, by model, subagents. A long session has hundreds of prompts: redrawn only
// when the cursor moves to another prompt, not on every step.
class Breakdown extends Component<BreakdownProps> {
  shouldComponentUpdate(next: BreakdownProps): boolean {
    const p = this.props;
    return (
      next.detail !== p.detail || next.model !== p.model || next.currentRoot !== p.currentRoot || next.zone !== p.zone
    );
  }

  render() {
    const { detail, model, currentRoot, zone } = this.props;
    // The handler of the first render stays valid: it only depends on the model.
    const onJump = (step: number) => this.props.onJump(step);
    return (
      <div class="grid-2">
        <PromptCosts model={model} current={currentRoot} onJump={onJump} zone={zone} />
        <div>
          <ByModel detail={detail} />
          {detail.subagents.length ? <Subagents detail={detail} model={model} onJump={onJump} /> : null}
        </div>
      </div>
    );
  }
}

function PromptCosts(props: {
  model: ReplayModel;
  current: string | undefined;
  onJump: (step: number) => void;
  zone: string;
}) {
  const rows = promptCosts(props.model);
  if (rows.length === 0) return <div />;
  return (
    <div class="card">
      <h2>Cost per prompt</h2>
      <div class="table-scroll">
        <table class="data prompt-costs" data-testid="replay-prompt-costs">
          <thead>
            <tr>
              <th class="num">#</th>
              <th>Started</th>
              <th>Prompt</th>
              <th class="num">Calls</th>
              <th class="num">Tools</th>
              <th class="num">Cost</th>
              <th class="bar-col" />
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const snippet = promptSnippet(r.text, 60);
              return (
                <tr
                  key={r.index}
                  class={`clickable${props.current === `prompt:${r.index}` ? " selected" : ""}`}
                  data-testid="prompt-cost-row"
                  data-value={r.cost}
                  onClick={() => props.onJump(r.step)}
                >
                  <td class="num">{r.index + 1}</td>
                  <td class="mono dim">{formatDateTime(r.ts, props.zone).slice(5, 16)}</td>
                  <td class="prompt-cell" title={r.text}>
                    {snippet !== undefined ? snippet : <span class="dim content-hint">{CONTENT_HINT}</span>}
                    {r.errors > 0 ? <span class="pill bad">{r.errors} err</span> : null}
                  </td>
                  <td class="num">{formatInt(r.calls)}</td>
                  <td class="num">{formatInt(r.tools)}</td>
                  <td class="num">
                    {formatUsd(r.cost)}
                    {r.unpriced > 0 ? <span class="warn" title={`${r.unpriced} unpriced calls`}> *</span> : null}
                  </td>
                  <td class="bar-col">
                    <span class="hbar-track">
                      <span class="hbar" style={{ width: `${Math.max(r.share * 100, r.cost > 0 ? 1 : 0)}%` }} />
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function ByModel(props: { detail: SessionDetail }) {
  const d = props.detail;
  return (
    <div class="card">
      <h2>By model</h2>
      <table class="data">
        <thead>
          <tr>
            <th>Model</th>
            <th class="num">Calls</th>
            <th class="num">Tokens</th>
            <th class="num">Reported</th>
            <th class="num">Computed</th>
            <th class="num">Cost</th>
          </tr>
        </thead>
        <tbody>
          {d.by_model.map((m) => (
            <tr key={m.model}>
              <td title={m.model}>{shortModel(m.model) || <span class="dim">(unknown)</span>}</td>
              <td class="num">{formatInt(m.totals.calls)}</td>
              <td class="num">{formatCompact(m.totals.tokens.total)}</td>
              <td class="num">{formatUsd(m.totals.reported_cost_usd)}</td>
              <td class="num">{formatUsd(m.totals.computed_cost_usd)}</td>
              <td class="num">
                {formatUsd(m.totals.cost_usd)}
                {m.totals.unpriced_calls > 0 ? <span class="pill warn">{m.totals.unpriced_calls} unpriced</span> : null}
              </td>
            </tr>
          ))}
          <tr class="total-row">
            <td>main thread</td>
            <td class="num">{formatInt(d.main_thread.calls)}</td>
            <td class="num">{formatCompact(d.main_thread.tokens.total)}</td>
            <td class="num">{formatUsd(d.main_thread.reported_cost_usd)}</td>
            <td class="num">{formatUsd(d.main_thread.computed_cost_usd)}</td>
            <td class="num">{formatUsd(d.main_thread.cost_usd)}</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function Subagents(props: { detail: SessionDetail; model: ReplayModel; onJump: (step: number) => void }) {
  const { model } = props;
  return (
    <div class="card">
      <h2>Subagents</h2>
      <div class="table-scroll">
        <table class="data">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Spawned by</th>
              <th class="num">Duration</th>
              <th class="num">Tools</th>
              <th class="num">Own</th>
              <th class="num">With children</th>
            </tr>
          </thead>
          <tbody>
            {props.detail.subagents.map((a) => {
              const spawner = model.toolStep.get(a.spawned_by_tool_use_id);
              return (
                <tr key={a.agent_id}>
                  <td>
                    {a.agent_type || <span class="dim">untyped</span>} <span class="dim mono">{shortId(a.agent_id)}</span>
                  </td>
                  <td>
                    {spawner !== undefined ? (
                      <button type="button" class="link-button" onClick={() => props.onJump(spawner)}>
                        {model.toolNames.get(a.spawned_by_tool_use_id) ?? "tool"}
                      </button>
                    ) : (
                      <span class="dim">—</span>
                    )}
                  </td>
                  <td class="num">{formatDuration(a.duration_ms)}</td>
                  <td class="num">
                    {formatInt(a.tool_calls)}
                    {a.tool_errors > 0 ? <span class="pill bad">{a.tool_errors} err</span> : null}
                  </td>
                  <td class="num">{formatUsd(a.own.cost_usd)}</td>
                  <td class="num">{formatUsd(a.with_children.cost_usd)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

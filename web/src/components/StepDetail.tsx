// The replay's detail panel: every field of the entry under the step cursor, with links to the
// entries it names (the tool calls a model call asked for, the call that issued a tool, the
// subagent a tool spawned).
import type { ComponentChildren } from "preact";
import type { CallTotals, Tokens } from "../lib/api";
import type { ReplayModel, ReplayNode } from "../lib/timeline";
import { ancestorKeys, firstStep } from "../lib/timeline";
import {
  formatClock,
  formatDateTime,
  formatDuration,
  formatInt,
  formatUsd,
  shortId,
  shortModel,
} from "../lib/format";
import { CONTENT_HINT } from "./Waterfall";

function Field(props: { label: string; children: ComponentChildren; mono?: boolean }) {
  return (
    <>
      <dt>{props.label}</dt>
      <dd class={props.mono ? "mono" : undefined}>{props.children}</dd>
    </>
  );
}

function When(props: { iso: string | null | undefined; zone: string }) {
  if (!props.iso) return <span class="dim">—</span>;
  return (
    <span title={props.iso}>
      {formatDateTime(props.iso, props.zone)}
      <span class="dim">.{formatClock(props.iso, props.zone).slice(9)}</span>
    </span>
  );
}

function TokenTable(props: { tokens: Tokens }) {
  const t = props.tokens;
  const rows: [string, number][] = [
    ["input", t.input],
    ["output", t.output],
    ["cache write 5m", t.cache_write_5m],
    ["cache write 1h", t.cache_write_1h],
    ["cache read", t.cache_read],
  ];
  return (
    <table class="detail-tokens">
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <td>{label}</td>
            <td class="num">{formatInt(value)}</td>
          </tr>
        ))}
        <tr class="total">
          <td>total</td>
          <td class="num">{formatInt(t.total)}</td>
        </tr>
      </tbody>
    </table>
  );
}

function Money(props: { value: number | null | undefined }) {
  if (props.value === null || props.value === undefined) return <span class="warn">unpriced</span>;
  return <span title={String(props.value)}>{formatUsd(props.value)}</span>;
}

function TotalsFields(props: { totals: CallTotals }) {
  const t = props.totals;
  return (
    <>
      <Field label="Cost">
        <Money value={t.cost_usd} />
        {t.unpriced_calls > 0 ? <span class="warn"> + {t.unpriced_calls} unpriced calls</span> : null}
      </Field>
      <Field label="Reported">
        {formatUsd(t.reported_cost_usd)} <span class="dim">({t.reported_calls} calls, by Claude Code)</span>
      </Field>
      <Field label="Computed">
        {formatUsd(t.computed_cost_usd)} <span class="dim">({t.computed_calls} calls, pricing table)</span>
      </Field>
      <Field label="Model calls">{formatInt(t.calls)}</Field>
      <Field label="Tokens">
        <TokenTable tokens={t.tokens} />
      </Field>
    </>
  );
}

function Sources(props: { sources: string[] }) {
  if (!props.sources.length) return <span class="dim">—</span>;
  return (
    <>
      {props.sources.map((s) => (
        <span key={s} class="pill">
          {s}
        </span>
      ))}
    </>
  );
}

function JumpButton(props: { step: number | undefined; onJump: (s: number) => void; children: ComponentChildren }) {
  if (props.step === undefined || props.step < 0) return <span class="mono">{props.children}</span>;
  return (
    <button type="button" class="link-button mono" onClick={() => props.onJump(props.step!)}>
      {props.children}
    </button>
  );
}

function contextPath(model: ReplayModel, node: ReplayNode): string[] {
  return ancestorKeys(model, node.key).map((key) => {
    const n = model.byKey.get(key)!;
    if (n.prompt) return `Prompt ${n.prompt.index + 1}`;
    if (n.subagent) return `Subagent ${n.subagent.agent_type || ""} ${shortId(n.subagent.agent_id)}`.replace("  ", " ");
    return "Unattributed";
  });
}

export function StepDetail(props: {
  model: ReplayModel;
  node: ReplayNode | undefined;
  zone: string;
  onJump: (step: number) => void;
}) {
  const { model, node, zone } = props;
  const total = model.steps.length;
  if (!node) {
    return (
      <div class="detail" data-testid="replay-current" data-index="">
        <p class="dim">No entries in this session's timeline.</p>
      </div>
    );
  }
  const path = contextPath(model, node);
  let body: ComponentChildren;
  if (node.prompt) {
    const p = node.prompt;
    body = (
      <>
        <div class="detail-text">
          {p.text !== undefined ? (
            <pre class="prompt-text">{p.text}</pre>
          ) : (
            <p class="dim content-hint">{CONTENT_HINT}: prompt text is kept only at privacy tier 2 or 3</p>
          )}
        </div>
        <dl>
          <Field label="Started">
            <When iso={p.ts} zone={zone} />
          </Field>
          <Field label="Ended">
            <When iso={p.end_ts} zone={zone} />
          </Field>
          <Field label="Duration">{formatDuration(p.duration_ms)}</Field>
          <Field label="Prompt id" mono>
            {p.prompt_id || <span class="dim">—</span>}
          </Field>
          <Field label="Tool calls">{formatInt(p.tool_calls)}</Field>
          <TotalsFields totals={p.totals} />
          <Field label="Sources">
            <Sources sources={p.sources} />
          </Field>
        </dl>
      </>
    );
  } else if (node.call) {
    const c = node.call;
    const diff =
      c.reported_cost_usd !== null && c.computed_cost_usd !== null
        ? c.reported_cost_usd - c.computed_cost_usd
        : null;
    body = (
      <dl>
        <Field label="Model">
          <span title={c.model}>{shortModel(c.model)}</span>
        </Field>
        <Field label="Started">
          <When iso={c.start_ts} zone={zone} />
        </Field>
        <Field label="Answered">
          <When iso={c.ts} zone={zone} />
        </Field>
        <Field label="Duration">
          {c.duration_ms === null ? <span class="dim">not timed (transcript only)</span> : formatDuration(c.duration_ms)}
        </Field>
        <Field label="Cost">
          <Money value={c.cost_usd} />
        </Field>
        <Field label="Reported">
          {c.reported_cost_usd === null ? <span class="dim">— (no OTEL report)</span> : formatUsd(c.reported_cost_usd)}
        </Field>
        <Field label="Computed">
          {c.computed_cost_usd === null ? <span class="warn">— (model not in the pricing table)</span> : formatUsd(c.computed_cost_usd)}
          {diff !== null && Math.abs(diff) > 1e-9 ? (
            <span class="warn"> (reported differs by {formatUsd(diff)})</span>
          ) : null}
        </Field>
        <Field label="Tokens">
          <TokenTable tokens={c.tokens} />
          <span class="dim wf-small">from {c.tokens_from}</span>
        </Field>
        <Field label="Request id" mono>
          {c.request_id || <span class="dim">—</span>}
        </Field>
        <Field label="Message id" mono>
          {c.message_id || <span class="dim">—</span>}
        </Field>
        {c.query_source ? <Field label="Query source">{c.query_source}</Field> : null}
        {c.agent_id ? (
          <Field label="Agent" mono>
            {c.agent_id}
          </Field>
        ) : null}
        <Field label="Tool calls">
          {c.tool_use_ids.length === 0 ? (
            <span class="dim">none</span>
          ) : (
            <ul class="plain">
              {c.tool_use_ids.map((id) => (
                <li key={id}>
                  <JumpButton step={model.toolStep.get(id)} onJump={props.onJump}>
                    {model.toolNames.get(id) ?? "tool"} {id}
                  </JumpButton>
                </li>
              ))}
            </ul>
          )}
        </Field>
        <Field label="Sources">
          <Sources sources={c.sources} />
        </Field>
      </dl>
    );
  } else if (node.tool) {
    const t = node.tool;
    const spawned = t.spawned_agent_id ? model.agents.get(t.spawned_agent_id) : undefined;
    body = (
      <dl>
        <Field label="Tool">{t.tool_name}</Field>
        <Field label="Result">
          <span class={`pill ${t.result === "error" ? "bad" : t.result === "denied" ? "warn" : t.result === "ok" ? "good" : ""}`}>
            {t.result}
          </span>
          {t.error ? <span class="bad"> {t.error}</span> : null}
        </Field>
        <Field label="Permission">
          {t.permission ? (
            <span class={node.severity === "warn" ? "warn" : undefined}>
              {t.permission}
              {t.permission_source ? <span class="dim"> ({t.permission_source})</span> : null}
            </span>
          ) : (
            <span class="dim">—</span>
          )}
        </Field>
        <Field label="Started">
          <When iso={t.start_ts} zone={zone} />
        </Field>
        <Field label="Ended">
          <When iso={t.end_ts} zone={zone} />
        </Field>
        <Field label="Duration">{formatDuration(t.duration_ms)}</Field>
        <Field label="Tool use id" mono>
          {t.tool_use_id || <span class="dim">—</span>}
        </Field>
        <Field label="Model call">
          {t.model_call_index === null ? (
            <span class="dim">—</span>
          ) : (
            <JumpButton step={model.callStep.get(t.model_call_index)} onJump={props.onJump}>
              call #{t.model_call_index}
            </JumpButton>
          )}
        </Field>
        <Field label="Request id" mono>
          {t.request_id || <span class="dim">—</span>}
        </Field>
        {t.spawned_agent_id ? (
          <Field label="Spawned">
            <JumpButton step={spawned ? firstStep(spawned) : undefined} onJump={props.onJump}>
              subagent {spawned?.subagent?.agent_type ?? ""} {t.spawned_agent_id}
            </JumpButton>
          </Field>
        ) : null}
        {t.agent_id ? (
          <Field label="Agent" mono>
            {t.agent_id}
          </Field>
        ) : null}
        <Field label="Sources">
          <Sources sources={t.sources} />
        </Field>
      </dl>
    );
  } else {
    const m = node.marker!;
    const agent = m.agent_id ? model.agents.get(m.agent_id) : undefined;
    body = (
      <dl>
        <Field label="Kind">
          <span class={node.severity || undefined}>{m.type.replace(/_/g, " ")}</span>
        </Field>
        <Field label="Time">
          <When iso={m.ts} zone={zone} />
        </Field>
        {m.detail ? <Field label="Detail">{m.detail}</Field> : null}
        {m.duration_ms !== undefined ? <Field label="Duration">{formatDuration(m.duration_ms)}</Field> : null}
        {m.agent_id ? (
          <Field label="Agent" mono>
            {m.agent_id}
          </Field>
        ) : null}
        {agent?.subagent ? (
          <>
            <Field label="Agent type">{agent.subagent.agent_type || <span class="dim">—</span>}</Field>
            <Field label="Own cost">{formatUsd(agent.subagent.own.cost_usd)}</Field>
            <Field label="With children">{formatUsd(agent.subagent.with_children.cost_usd)}</Field>
            <Field label="Spawned by">
              <JumpButton step={model.toolStep.get(agent.subagent.spawned_by_tool_use_id)} onJump={props.onJump}>
                {model.toolNames.get(agent.subagent.spawned_by_tool_use_id) ?? "tool"}{" "}
                {agent.subagent.spawned_by_tool_use_id || "—"}
              </JumpButton>
            </Field>
          </>
        ) : null}
        {m.prompt_id ? (
          <Field label="Prompt id" mono>
            {m.prompt_id}
          </Field>
        ) : null}
        <Field label="Sources">
          <Sources sources={m.sources} />
        </Field>
      </dl>
    );
  }
  const raw = node.prompt ?? node.call ?? node.tool ?? node.marker;
  return (
    <div
      class={`detail${node.severity ? ` sev-${node.severity}` : ""}`}
      data-testid="replay-current"
      data-index={node.step}
      data-type={node.type}
      data-key={node.key}
      data-tool-use-id={node.tool?.tool_use_id || undefined}
    >
      <div class="detail-head">
        <span class="detail-step">
          Step {node.step + 1} / {total}
        </span>
        <span class={`wf-kind ${node.severity}`}>{node.type.replace(/_/g, " ")}</span>
      </div>
      {path.length ? <div class="detail-path dim">{path.join(" › ")}</div> : null}
      {body}
      <details class="detail-raw">
        <summary>JSON</summary>
        <pre>{JSON.stringify(raw, null, 2)}</pre>
      </details>
    </div>
  );
}

// Tools and errors (/tools): per tool calls, errors, denials, error rate, cost share and
// duration percentiles over a range; ?tool=NAME lists that tool's failures, each linking to the
// tool call in its session's replay.
import { useEffect, useRef, useState } from "preact/hooks";
import { EmptyState, ErrorBox, GettingStarted, Link, Loading, Page, Stat } from "../components/common";
import { api } from "../lib/api";
import type { ToolFailure, ToolsReport } from "../lib/api";
import {
  dayInZone,
  formatDateTime,
  formatDuration,
  formatInt,
  formatPercent,
  formatUsd,
  shortId,
  shortProject,
} from "../lib/format";
import { setQuery, useApp } from "../lib/router";
import {
  appendFailures,
  chartRows,
  failureHref,
  sortTools,
  toolRows,
  type ToolRow,
  type ToolSort,
} from "../lib/tools";
import { useFetch } from "../lib/useFetch";
import { type Range, parseRange, rangeLabel, rangeSince } from "../lib/range";
import { RangePicker } from "../components/RangePicker";

function rangeText(range: Range): string {
  return range === "all" ? "all time" : `the ${rangeLabel(range)}`;
}

export function ToolsPage(props: { query: URLSearchParams }) {
  const { zone } = useApp();
  const range = parseRange(props.query.get("range"));
  const tool = props.query.get("tool") ?? "";
  const since = rangeSince(range, dayInZone(Date.now(), zone));
  const key = `${since ?? "all"}|${zone}`;
  const state = useFetch(async (signal) => {
    const report = await api.tools({ since, tz: zone }, signal);
    // An empty range: is it this range, or a store with no tool call at all?
    const allTimeCalls =
      report.tools.length === 0 && since !== null
        ? (await api.tools({ tz: zone }, signal)).totals.calls
        : report.totals.calls;
    return { report, allTimeCalls };
  }, key);
  const report = state.data?.report;

  let body;
  if (state.error && !report) {
    body = <ErrorBox error={state.error} what="tool statistics" />;
  } else if (!report) {
    body = <Loading what="tool statistics" />;
  } else if (report.tools.length === 0) {
    body = <NoTools range={range} allTimeCalls={state.data?.allTimeCalls ?? 0} />;
  } else {
    body = (
      <>
        {state.error ? <ErrorBox error={state.error} what="tool statistics" /> : null}
        <ToolsBody report={report} tool={tool} since={since} zone={zone} stale={state.loading} />
      </>
    );
  }
  return (
    <Page
      name="tools"
      title="Tools and errors"
      ready={report !== undefined || state.error !== undefined}
      actions={<RangePicker range={range} />}
    >
      {body}
    </Page>
  );
}

function NoTools(props: { range: Range; allTimeCalls: number }) {
  if (props.range !== "all" && props.allTimeCalls > 0) {
    return (
      <EmptyState title={`No tool calls in ${rangeText(props.range)}`}>
        <p>Nothing ran a tool in this range; the store holds {formatInt(props.allTimeCalls)} tool calls from other days.</p>
        <button type="button" data-testid="tools-show-all" onClick={() => setQuery({ range: "all" })}>
          Show all time
        </button>
      </EmptyState>
    );
  }
  return (
    <EmptyState title="No tool calls yet">
      <p>Tool calls show up here once sessions that used tools are stored.</p>
      <GettingStarted />
    </EmptyState>
  );
}

const COLUMNS: { key: ToolSort; label: string; num: boolean; title?: string }[] = [
  { key: "name", label: "Tool", num: false },
  { key: "calls", label: "Calls", num: true },
  { key: "errors", label: "Errors", num: true },
  { key: "denied", label: "Denied", num: true, title: "refused by a permission decision" },
  { key: "rate", label: "Error rate", num: true, title: "errors / calls" },
  { key: "cost", label: "Cost share", num: true, title: "the tools' share of the cost of the model calls that asked for them" },
  { key: "p50", label: "p50", num: true },
  { key: "p95", label: "p95", num: true },
  { key: "max", label: "max", num: true },
];

function ToolsBody(props: {
  report: ToolsReport;
  tool: string;
  since: string | null;
  zone: string;
  stale: boolean;
}) {
  const { report, tool } = props;
  const [sort, setSort] = useState<{ key: ToolSort; desc: boolean }>({ key: "calls", desc: true });
  const rows = toolRows(report);
  const sorted = sortTools(rows, sort.key, sort.desc);
  const t = report.totals;
  const pick = (name: string) => setQuery({ tool: name === tool ? null : name }, false);
  const sortBy = (key: ToolSort) =>
    setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: key !== "name" }));

  return (
    <div class={props.stale ? "stale" : undefined}>
      <div class="stats">
        <Stat label="Tool calls" display={formatInt(t.calls)} value={t.calls} testid="tools-total-calls" />
        <Stat
          label="Errors"
          display={formatInt(t.errors)}
          value={t.errors}
          testid="tools-total-errors"
          tone={t.errors > 0 ? "bad" : undefined}
        />
        <Stat
          label="Error rate"
          display={formatPercent(t.error_rate)}
          value={t.error_rate}
          testid="tools-error-rate"
        />
        <Stat
          label="Denied"
          display={formatInt(t.denied)}
          value={t.denied}
          testid="tools-total-denied"
          tone={t.denied > 0 ? "warn" : undefined}
        />
        <Stat
          label="Pending"
          display={formatInt(t.pending)}
          value={t.pending}
          testid="tools-total-pending"
          hint="no result seen"
        />
      </div>

      <div class="tools-grid">
        <div class="card">
          <h2>Per tool</h2>
          <div class="table-wrap">
            <table class="data tools-table" data-testid="tools-table">
              <thead>
                <tr>
                  {COLUMNS.map((c) => (
                    <th
                      key={c.key}
                      class={`sortable${c.num ? " num" : ""}`}
                      title={c.title}
                      data-sort={c.key}
                      aria-sort={sort.key === c.key ? (sort.desc ? "descending" : "ascending") : undefined}
                      onClick={() => sortBy(c.key)}
                    >
                      {c.label}
                      {sort.key === c.key ? <span class="sort-mark">{sort.desc ? " ▾" : " ▴"}</span> : null}
                    </th>
                  ))}
                  <th class="num" title="p90 / p99 of the calls with a known duration">
                    p90 / p99
                  </th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((r) => (
                  <ToolTableRow key={r.tool_name} row={r} selected={r.tool_name === tool} onPick={pick} />
                ))}
              </tbody>
            </table>
          </div>
          <p class="legend-note">Click a tool to list its failures. Durations are nearest-rank percentiles.</p>
        </div>
        <ToolChart rows={rows} selected={tool} onPick={pick} />
      </div>

      {tool ? <Failures key={`${tool}|${props.since}|${props.zone}`} tool={tool} since={props.since} zone={props.zone} /> : null}
    </div>
  );
}

function ToolTableRow(props: { row: ToolRow; selected: boolean; onPick: (name: string) => void }) {
  const r = props.row;
  const d = r.duration_ms;
  return (
    <tr
      class={`clickable${props.selected ? " selected" : ""}`}
      data-testid="tool-row"
      data-tool={r.tool_name}
      data-calls={r.calls}
      data-errors={r.errors}
      data-denied={r.denied}
      onClick={() => props.onPick(r.tool_name)}
    >
      <td>
        <a
          href={`/tools?tool=${encodeURIComponent(r.tool_name)}`}
          onClick={(e) => {
            e.preventDefault();
          }}
        >
          {r.tool_name || <span class="dim">(unnamed)</span>}
        </a>
      </td>
      <td class="num">{formatInt(r.calls)}</td>
      <td class={`num${r.errors > 0 ? " bad" : ""}`}>{formatInt(r.errors)}</td>
      <td class={`num${r.denied > 0 ? " warn" : ""}`}>{formatInt(r.denied)}</td>
      <td class="num">
        <span class={r.tone ? `pill ${r.tone}` : undefined}>{formatPercent(r.error_rate)}</span>
      </td>
      <td class="num" title={formatUsd(r.cost_usd)}>
        {formatPercent(r.costShare)}
      </td>
      <td class="num">{d ? formatDuration(d.p50) : "—"}</td>
      <td class="num">{d ? formatDuration(d.p95) : "—"}</td>
      <td class="num">{d ? formatDuration(d.max) : "—"}</td>
      <td class="num dim">{d ? `${formatDuration(d.p90)} / ${formatDuration(d.p99)}` : "—"}</td>
    </tr>
  );
}

// Calls and error rate of the busiest tools, as plain bars (one scale each).
function ToolChart(props: { rows: ToolRow[]; selected: string; onPick: (name: string) => void }) {
  const rows = chartRows(props.rows, 15);
  // Error-rate bars share one scale, at least 0..5 %, so 0.1 % never looks like a wall of red.
  const rateScale = Math.max(0.05, rows.reduce((m, r) => Math.max(m, r.error_rate), 0));
  return (
    <div class="card" data-testid="tools-chart">
      <h2>Calls and error rate</h2>
      <div class="tool-bars">
        <div class="tool-bars-head dim">
          <span />
          <span>calls</span>
          <span>error rate</span>
        </div>
        {rows.map((r) => (
          <div
            key={r.tool_name}
            class={`tool-bar-row${props.selected === r.tool_name ? " selected" : ""}`}
            onClick={() => props.onPick(r.tool_name)}
            title={`${r.tool_name}: ${formatInt(r.calls)} calls, ${formatInt(r.errors)} errors`}
          >
            <span class="tool-bar-name">{r.tool_name}</span>
            <span class="tool-bar">
              <span class="hbar-box">
                <span class="hbar" style={{ width: `${Math.max(r.callsShare * 100, 0.5)}%` }} />
              </span>
              <span class="tool-bar-value">{formatInt(r.calls)}</span>
            </span>
            <span class="tool-bar">
              <span class="hbar-box">
                {r.error_rate > 0 ? (
                  <span
                    class={`hbar hbar-${r.tone || "err"}`}
                    style={{ width: `${Math.max((r.error_rate / rateScale) * 100, 1)}%` }}
                  />
                ) : null}
              </span>
              <span class={`tool-bar-value${r.tone ? ` ${r.tone}` : ""}`}>{formatPercent(r.error_rate)}</span>
            </span>
          </div>
        ))}
      </div>
      {props.rows.length > rows.length ? (
        <p class="legend-note">The {rows.length} busiest of {props.rows.length} tools.</p>
      ) : null}
    </div>
  );
}

type FailureFilter = "" | "error" | "denied";

function Failures(props: { tool: string; since: string | null; zone: string }) {
  const { zone } = useApp();
  const [result, setResult] = useState<FailureFilter>("");
  const query = { tool: props.tool, since: props.since, tz: props.zone, result, limit: 50 };
  const first = useFetch((signal) => api.toolFailures(query, signal), `${props.tool}|${props.since}|${props.zone}|${result}`);
  const [more, setMore] = useState<{ items: ToolFailure[]; cursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<Error | undefined>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const abort = useRef<AbortController | null>(null);

  // A new first page (another filter) starts the list again.
  useEffect(() => {
    setMore(null);
    setMoreError(undefined);
    abort.current?.abort();
  }, [first.data]);
  useEffect(() => () => abort.current?.abort(), []);

  const items = more ? more.items : first.data?.failures ?? [];
  const cursor = more ? more.cursor : first.data?.next_cursor ?? null;

  const loadMore = () => {
    if (!cursor) return;
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setLoadingMore(true);
    api
      .toolFailures({ ...query, cursor }, controller.signal)
      .then((page) => {
        if (controller.signal.aborted) return;
        setMore({ items: appendFailures(items, page), cursor: page.next_cursor });
        setMoreError(undefined);
        setLoadingMore(false);
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        setMoreError(e instanceof Error ? e : new Error(String(e)));
        setLoadingMore(false);
      });
  };

  return (
    <div class="card" data-testid="tool-failures" data-tool={props.tool}>
      <div class="card-head">
        <h2>
          Failures of <span class="mono">{props.tool}</span>
        </h2>
        <div class="filters">
          <label class="filter">
            <span class="filter-label">Result</span>
            <select
              data-testid="tool-failures-result"
              value={result}
              onChange={(e) => setResult((e.currentTarget as HTMLSelectElement).value as FailureFilter)}
            >
              <option value="">errors and denials</option>
              <option value="error">errors</option>
              <option value="denied">denied</option>
            </select>
          </label>
          <button type="button" onClick={() => setQuery({ tool: null }, false)} title="Close">
            ✕
          </button>
        </div>
      </div>
      {first.error && !first.data ? (
        <ErrorBox error={first.error} what={`the failures of ${props.tool}`} />
      ) : !first.data ? (
        <Loading what="failures" />
      ) : items.length === 0 ? (
        <p class="dim" data-testid="tool-failures-empty">
          No failed {props.tool} calls in this range.
        </p>
      ) : (
        <>
          <div class="table-wrap">
            <table class="data">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Result</th>
                  <th>Project</th>
                  <th>Session</th>
                  <th>Agent</th>
                  <th class="num">Duration</th>
                  <th>Tool call</th>
                </tr>
              </thead>
              <tbody>
                {items.map((f) => (
                  <tr key={`${f.session_id}|${f.tool_use_id}`} data-testid="tool-failure">
                    <td class="mono">{formatDateTime(f.ts, zone)}</td>
                    <td>
                      <span class={`pill ${f.result === "denied" ? "warn" : "bad"}`}>{f.result}</span>
                    </td>
                    <td title={f.project}>{shortProject(f.project)}</td>
                    <td class="mono">
                      <Link href={`/sessions/${encodeURIComponent(f.session_id)}`}>{shortId(f.session_id)}</Link>
                    </td>
                    <td class="mono dim">{f.agent_id ? shortId(f.agent_id) : "main"}</td>
                    <td class="num">{formatDuration(f.duration_ms)}</td>
                    <td>
                      <Link href={failureHref(f)} data-testid="tool-failure-link" title={f.tool_use_id}>
                        open in replay →
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {moreError ? <ErrorBox error={moreError} what="more failures" /> : null}
          <div class="pager">
            <span class="dim">{formatInt(items.length)} shown</span>
            {cursor ? (
              <button type="button" data-testid="tool-failures-more" onClick={loadMore} disabled={loadingMore}>
                {loadingMore ? "Loading…" : "Load more"}
              </button>
            ) : null}
          </div>
        </>
      )}
    </div>
  );
}

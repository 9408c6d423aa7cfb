// Overview: what the range cost, where it went (per day, model, project, user), the current
// 5-hour block, and what is running now.
import type { ComponentChildren } from "preact";
import { useMemo, useState } from "preact/hooks";
import uPlot from "uplot";
import { Chart, PALETTE, cssVar } from "../components/Chart";
import { EmptyState, ErrorBox, GettingStarted, Link, Loading, Page, Stat } from "../components/common";
import {
  api,
  type Block,
  type BlocksReport,
  type ModelsReport,
  type SessionPage,
  type UsageReport,
} from "../lib/api";
import {
  dayInZone,
  formatCompact,
  formatDateTime,
  formatDuration,
  formatInt,
  formatPercent,
  formatUsd,
  shortModel,
  shortProject,
} from "../lib/format";
import {
  cacheRatioByDay,
  chartDays,
  costByModel,
  msUntil,
  shareRows,
  shortDay,
  stack,
  tokensByKind,
  unpricedModels,
  type Series,
  type ShareRow,
} from "../lib/overview";
import { parseRange, rangeLabel, rangeSince, type Range } from "../lib/range";
import { RangePicker } from "../components/RangePicker";
import { useNow, useThemeName } from "../lib/pageHooks";
import { windowText } from "../lib/status";
import { setQuery, useApp } from "../lib/router";
import { useFetch, type FetchState } from "../lib/useFetch";

const STATUS_POLL_MS = 10_000;
const BLOCKS_POLL_MS = 30_000;
const TABLE_ROWS = 20;
// Blocks chain from the first call after a 5-hour gap; a week back is far enough to find the
// active block's true start without scanning all history on every poll.
const BLOCKS_LOOKBACK_MS = 7 * 24 * 3600 * 1000;

function settled<T>(state: FetchState<T>): boolean {
  return state.data !== undefined || state.error !== undefined;
}

// Current and settled: the first load done and no reload for a new key in flight.
function fresh<T>(state: FetchState<T>): boolean {
  return settled(state) && !state.loading;
}

interface ChartTheme {
  text: string;
  grid: string;
}

function axis(theme: ChartTheme, values: uPlot.Axis["values"], size?: number): uPlot.Axis {
  // uPlot reads an explicit `size: undefined` as zero height: leave it out for the default.
  return {
    stroke: theme.text,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
    values,
    ...(size === undefined ? {} : { size }),
  };
}

function dayAxis(theme: ChartTheme, days: string[]): uPlot.Axis {
  return {
    ...axis(theme, (_u, splits) =>
      splits.map((i) => (Number.isInteger(i) && days[i] ? shortDay(days[i]) : "")),
    ),
    grid: { show: false },
    incrs: [1, 2, 5, 7, 14, 30, 60, 90, 180, 365],
    space: 46,
  };
}

// Stacked daily bars. `topFirst[0]` is drawn on top of the stack and listed first in the
// legend; a series hidden from the legend is taken out of the stack.
function stackedBars(
  days: string[],
  topFirst: Series[],
  colors: string[],
  format: (v: number) => string,
  theme: ChartTheme,
): { options: Omit<uPlot.Options, "width" | "height">; data: uPlot.AlignedData } {
  const bottomFirst = [...topFirst].reverse();
  const k = topFirst.length;
  const levels = (visibleTopFirst?: boolean[]) => {
    const visible = visibleTopFirst ? [...visibleTopFirst].reverse() : undefined;
    const stacked = stack(
      bottomFirst.map((s) => s.values),
      visible,
    );
    return topFirst.map((_, t) => stacked[k - 1 - t]);
  };
  const xs = days.map((_, i) => i);
  const bars = uPlot.paths.bars?.({ size: [0.72, 48], align: 0 });
  const options: Omit<uPlot.Options, "width" | "height"> = {
    scales: {
      x: { time: false, range: () => [-0.6, Math.max(0.6, days.length - 0.4)] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
    },
    legend: { live: true },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    series: [
      { label: "day", value: (_u, i) => (i === null || i === undefined ? "total" : (days[i] ?? "—")) },
      ...topFirst.map((s, t) => ({
        label: s.label,
        stroke: colors[t % colors.length],
        fill: colors[t % colors.length],
        width: 0,
        paths: bars,
        points: { show: false },
        // Not hovering a day: the series' total over the range.
        value: (_u: uPlot, _v: number | null, _si: number, i: number | null) =>
          format(i === null || i === undefined ? s.values.reduce((a, v) => a + v, 0) : (s.values[i] ?? 0)),
      })),
    ],
    axes: [dayAxis(theme, days), axis(theme, (_u, splits) => splits.map((v) => format(v)), 64)],
    hooks: {
      setSeries: [
        (u: uPlot) => {
          const visible = u.series.slice(1).map((s) => s.show !== false);
          u.setData([xs, ...levels(visible)] as uPlot.AlignedData);
        },
      ],
    },
  };
  return { options, data: [xs, ...levels()] as uPlot.AlignedData };
}

function ratioLine(
  days: string[],
  values: (number | null)[],
  overall: number | null,
  theme: ChartTheme,
): { options: Omit<uPlot.Options, "width" | "height">; data: uPlot.AlignedData } {
  const color = PALETTE[4];
  return {
    options: {
      scales: {
        x: { time: false, range: () => [-0.6, Math.max(0.6, days.length - 0.4)] },
        y: { range: [0, 1] },
      },
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: "day", value: (_u, i) => (i === null || i === undefined ? "whole range" : (days[i] ?? "—")) },
        {
          label: "cache hit ratio",
          stroke: color,
          width: 2,
          points: { show: true, size: 5, fill: color },
          spanGaps: false,
          value: (_u, v, _si, i) => formatPercent(i === null || i === undefined ? overall : v),
        },
      ],
      axes: [
        dayAxis(theme, days),
        axis(theme, (_u, splits) => splits.map((v) => `${Math.round(v * 100)}%`), 52),
      ],
    },
    data: [days.map((_, i) => i), values] as uPlot.AlignedData,
  };
}

function hhmm(iso: string, zone: string): string {
  return formatDateTime(iso, zone).slice(11, 16);
}

function BlockCard(props: { state: FetchState<BlocksReport>; zone: string; now: number }) {
  const { state, zone, now } = props;
  const block: Block | null | undefined = state.data?.active;
  if (state.error && !state.data) return <ErrorBox error={state.error} what="the 5-hour blocks" />;
  if (!state.data) return null;
  if (!block) {
    const last = state.data.blocks[state.data.blocks.length - 1];
    return (
      <div class="card block-card" data-testid="overview-block" data-value="">
        <h2>Current 5-hour block</h2>
        <p class="dim">
          No active block: no model call in the last 5 hours.
          {last ? ` The last block ended ${formatDateTime(last.end, zone)}.` : ""}
        </p>
      </div>
    );
  }
  const span = new Date(block.end).getTime() - new Date(block.start).getTime();
  const left = msUntil(block.end, now);
  const elapsed = span > 0 ? Math.min(1, Math.max(0, 1 - left / span)) : 0;
  return (
    <div class="card block-card" data-testid="overview-block" data-value={String(block.cost_usd)}>
      <h2>
        Current 5-hour block{" "}
        <span class="dim">
          {hhmm(block.start, zone)}–{hhmm(block.end, zone)} ({zone})
        </span>
      </h2>
      <div class="block-figures">
        <div>
          <div class="stat-label">Cost so far</div>
          <div class="block-value">{formatUsd(block.cost_usd)}</div>
          <div class="stat-hint">
            {formatInt(block.calls)} calls, {formatCompact(block.tokens.total)} tokens
            {block.unpriced_calls > 0 ? `, ${formatInt(block.unpriced_calls)} unpriced` : ""}
          </div>
        </div>
        <div>
          <div class="stat-label">Burn rate</div>
          <div class="block-value">{formatUsd(block.burn_usd_per_hour)}/h</div>
          <div class="stat-hint">{formatCompact(block.burn_tokens_per_minute)} tokens/min</div>
        </div>
        <div>
          <div class="stat-label">Projected at {hhmm(block.end, zone)}</div>
          <div class="block-value">{formatUsd(block.projected_cost_usd)}</div>
          <div class="stat-hint">{formatCompact(block.projected_total_tokens)} tokens at this rate</div>
        </div>
        <div>
          <div class="stat-label">Time left</div>
          <div class="block-value">{formatDuration(left)}</div>
          <div class="stat-hint">models: {block.models.map(shortModel).join(", ") || "—"}</div>
        </div>
      </div>
      <div class="progress" title={`${formatPercent(elapsed, 0)} of the block elapsed`}>
        <div class="progress-bar" style={{ width: `${(elapsed * 100).toFixed(1)}%` }} />
      </div>
    </div>
  );
}

function UnpricedBanner(props: { calls: number; models: ModelsReport | undefined }) {
  const list = props.models ? unpricedModels(props.models.models) : [];
  return (
    <div class="banner" role="status" data-testid="overview-unpriced" data-value={String(props.calls)}>
      <strong>
        {formatInt(props.calls)} model call{props.calls === 1 ? " has" : "s have"} no price.
      </strong>{" "}
      Their cost is missing from these totals (not counted as $0)
      {list.length > 0 ? (
        <>
          {": "}
          {list.map((m, i) => (
            <span key={m.model}>
              {i > 0 ? ", " : ""}
              <code>{m.model}</code> ({formatInt(m.calls)} call{m.calls === 1 ? "" : "s"})
            </span>
          ))}
        </>
      ) : null}
      . Add a price in <code>&lt;config-dir&gt;/pricing.json</code> (by default{" "}
      <code>~/.config/agent-trace/pricing.json</code>); <code>agent-trace pricing show MODEL</code> shows
      how a model id is matched. See <code>docs/pricing.md</code>, "Overriding or adding prices".
    </div>
  );
}

function ShareTable(props: {
  testid: string;
  rows: ShareRow[];
  label: string;
  render: (key: string) => ComponentChildren;
}) {
  const [all, setAll] = useState(false);
  if (props.rows.length === 0) return <p class="dim">No usage in this range.</p>;
  const rows = all ? props.rows : props.rows.slice(0, TABLE_ROWS);
  const rest = props.rows.slice(rows.length);
  return (
    <div class="table-wrap">
      <table class="data" data-testid={props.testid}>
        <thead>
          <tr>
            <th>{props.label}</th>
            <th class="num">Cost</th>
            <th class="share-col">Share</th>
            <th class="num">Calls</th>
            <th class="num">Tokens</th>
            <th class="num">Cache hit</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-testid="group-row" data-key={r.key} data-value={String(r.cost_usd)}>
              <td class="truncate">{props.render(r.key)}</td>
              <td class="num">
                {formatUsd(r.cost_usd)}
                {r.unpriced_calls > 0 ? (
                  <span class="pill warn" title="calls without a price: their cost is not included">
                    +{formatInt(r.unpriced_calls)} unpriced
                  </span>
                ) : null}
              </td>
              <td class="share-col">
                <ShareBar share={r.share} />
              </td>
              <td class="num">{formatInt(r.calls)}</td>
              <td class="num">{formatCompact(r.tokens)}</td>
              <td class="num">{formatPercent(r.cache_hit_ratio)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rest.length > 0 ? (
        <p class="legend-note">
          {formatInt(rest.length)} more, together {formatUsd(rest.reduce((a, r) => a + r.cost_usd, 0))}.{" "}
          <button type="button" class="link-button" onClick={() => setAll(true)}>
            Show all
          </button>
        </p>
      ) : null}
    </div>
  );
}

function ShareBar(props: { share: number | null }) {
  if (props.share === null) return <span class="dim">—</span>;
  return (
    <span class="share">
      <span class="share-track">
        <span class="share-fill" style={{ width: `${Math.min(100, props.share * 100).toFixed(1)}%` }} />
      </span>
      <span class="share-text">{formatPercent(props.share)}</span>
    </span>
  );
}

function ModelsTable(props: { report: ModelsReport; total: number }) {
  const models = props.report.models.slice(0, 12);
  if (models.length === 0) return <p class="dim">No model calls in this range.</p>;
  return (
    <div class="table-wrap">
      <table class="data" data-testid="overview-models">
        <thead>
          <tr>
            <th>Model</th>
            <th class="num">Cost</th>
            <th class="share-col">Share</th>
            <th class="num">Calls</th>
            <th class="num">Tokens</th>
            <th class="num">Cache hit</th>
            <th class="num" title="OTEL duration_ms; transcripts carry no latency">
              Latency p50 / p95
            </th>
          </tr>
        </thead>
        <tbody>
          {models.map((m) => (
            <tr key={m.model} data-testid="model-row" data-key={m.model} data-value={String(m.cost_usd)}>
              <td class="truncate" title={m.model}>
                {m.model || "(unknown model)"}
              </td>
              <td class="num">
                {m.priced_calls === 0 && m.unpriced_calls > 0 ? (
                  <span class="pill warn" title="no price for this model: cost unknown">
                    unpriced
                  </span>
                ) : (
                  formatUsd(m.cost_usd)
                )}
                {m.priced_calls > 0 && m.unpriced_calls > 0 ? (
                  <span class="pill warn">+{formatInt(m.unpriced_calls)} unpriced</span>
                ) : null}
              </td>
              <td class="share-col">
                <ShareBar share={props.total > 0 && m.priced_calls > 0 ? m.cost_usd / props.total : null} />
              </td>
              <td class="num">{formatInt(m.calls)}</td>
              <td class="num">{formatCompact(m.tokens.total)}</td>
              <td class="num">{formatPercent(m.cache_hit_ratio)}</td>
              <td class="num">
                {m.latency_ms
                  ? `${formatDuration(m.latency_ms.p50)} / ${formatDuration(m.latency_ms.p95)}`
                  : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.report.models.length > models.length ? (
        <p class="legend-note">
          {props.report.models.length - models.length} more models, together{" "}
          {formatUsd(props.report.models.slice(models.length).reduce((a, m) => a + m.cost_usd, 0))}.
        </p>
      ) : null}
    </div>
  );
}

// When the chosen range holds nothing: is there older history, or is the store empty?
function EmptyRange(props: { range: Range; zone: string }) {
  const { range, zone } = props;
  const probe = useFetch(
    async (signal) => {
      const [usage, sessions] = await Promise.all([
        range === "all" ? Promise.resolve(null) : api.usage({ by: "day", tz: zone }, signal),
        api.sessions({ limit: 1 }, signal),
      ]);
      return { usage, sessions } as { usage: UsageReport | null; sessions: SessionPage };
    },
    `${range}|${zone}`,
  );
  if (probe.error) return <ErrorBox error={probe.error} what="the stored history" />;
  if (!probe.data) return <Loading what="history" />;
  const { usage, sessions } = probe.data;
  if (usage && usage.totals.calls > 0) {
    const first = usage.groups[0]?.key;
    const last = usage.groups[usage.groups.length - 1]?.key;
    return (
      <EmptyState title={`No model calls in the ${rangeLabel(range)}`}>
        <p>
          The store holds {formatInt(usage.totals.calls)} model calls ({formatUsd(usage.totals.cost_usd)}) from{" "}
          {first} to {last} ({zone}).
        </p>
        <button type="button" data-testid="overview-show-all" onClick={() => setQuery({ range: "all" })}>
          Show all time
        </button>
      </EmptyState>
    );
  }
  if (sessions.sessions.length > 0) {
    return (
      <EmptyState title="No model calls stored yet">
        <p>
          Sessions are stored but none has a model call with usage yet (hook events alone carry no token
          counts). Turn on Claude Code's OpenTelemetry export (<code>agent-trace init</code>) or import its
          transcripts (<code>agent-trace import</code>). <Link href="/sessions">See the sessions</Link>.
        </p>
      </EmptyState>
    );
  }
  return (
    <EmptyState title="Nothing stored yet">
      <GettingStarted />
    </EmptyState>
  );
}

export function OverviewPage(props: { query: URLSearchParams }) {
  const { zone } = useApp();
  const range = parseRange(props.query.get("range"));
  const now = useNow(15_000);
  const today = dayInZone(now, zone);
  const since = rangeSince(range, today);
  const key = `${range}|${zone}|${since ?? ""}`;
  const win = { tz: zone, since };

  const days = useFetch((signal) => api.usage({ by: "day", split: "model", ...win }, signal), key);
  const projects = useFetch((signal) => api.usage({ by: "project", ...win }, signal), key);
  const users = useFetch((signal) => api.usage({ by: "user", ...win }, signal), key);
  const models = useFetch((signal) => api.models(win, signal), key);
  const status = useFetch((signal) => api.status(signal), "status", STATUS_POLL_MS);
  const blocks = useFetch(
    (signal) =>
      api.blocks({ tz: zone, since: new Date(Date.now() - BLOCKS_LOOKBACK_MS).toISOString() }, signal),
    `blocks|${zone}`,
    BLOCKS_POLL_MS,
  );
  const theme = useThemeName();

  const report = days.data;
  const totals = report?.totals;
  const empty = totals !== undefined && totals.calls === 0;
  const ready =
    fresh(days) && fresh(projects) && fresh(users) && fresh(models) && settled(status) && settled(blocks);

  const charts = useMemo(() => {
    if (!report || empty) return null;
    const chartTheme: ChartTheme = {
      text: cssVar("--text-dim", "#9aa3b2"),
      grid: cssVar("--grid", "#2a2f3a"),
    };
    const dayList = chartDays(range, today, report.groups);
    const cost = costByModel(report, dayList);
    const tokens = tokensByKind(report.groups, dayList);
    const tokenColors = [PALETTE[0], PALETTE[1], PALETTE[5], PALETTE[2]];
    return {
      days: dayList,
      cost: stackedBars(
        dayList,
        cost.series.map((s) => ({
          ...s,
          label: `${shortModel(s.label)}${s.unpriced ? ` (+${formatInt(s.unpriced)} unpriced)` : ""}`,
        })),
        PALETTE,
        formatUsd,
        chartTheme,
      ),
      tokens: stackedBars(dayList, tokens.series, tokenColors, formatCompact, chartTheme),
      ratio: ratioLine(dayList, cacheRatioByDay(report.groups, dayList), report.totals.cache_hit_ratio, chartTheme),
    };
    // theme: rebuild with the new colours
  }, [report, empty, range, today, theme]);

  const unpriced = totals?.unpriced_calls ?? 0;
  const active = status.data?.active_sessions;

  return (
    <Page name="overview" title="Overview" ready={ready} actions={<RangePicker range={range} />}>
      {days.error ? <ErrorBox error={days.error} what="usage" /> : null}
      {!report && !days.error ? <Loading what="usage" /> : null}
      {totals ? (
        <>
          {unpriced > 0 ? <UnpricedBanner calls={unpriced} models={models.data} /> : null}
          <div class={`stats${days.loading ? " stale" : ""}`}>
            <Stat
              label={`Cost, ${rangeLabel(range)}`}
              display={formatUsd(totals.cost_usd)}
              value={totals.cost_usd}
              testid="overview-total-cost"
              hint={
                totals.reported_cost_usd > 0
                  ? `${formatUsd(totals.reported_cost_usd)} reported by Claude Code, ${formatUsd(totals.computed_cost_usd)} from prices`
                  : "from the pricing table"
              }
              tone={unpriced > 0 ? "warn" : undefined}
            />
            <Stat
              label="Tokens"
              display={formatCompact(totals.tokens.total)}
              value={totals.tokens.total}
              testid="overview-total-tokens"
              hint={`${formatCompact(totals.tokens.input)} in, ${formatCompact(totals.tokens.output)} out, ${formatCompact(totals.tokens.cache_read)} cache read`}
            />
            <Stat
              label="Model calls"
              display={formatInt(totals.calls)}
              value={totals.calls}
              testid="overview-total-calls"
              hint={unpriced > 0 ? `${formatInt(unpriced)} without a price` : undefined}
            />
            <Stat
              label="Cache hit ratio"
              display={formatPercent(totals.cache_hit_ratio)}
              value={totals.cache_hit_ratio}
              testid="overview-cache-hit"
              hint="cache reads / all prompt tokens"
            />
            <Stat
              label="Active sessions"
              display={active ? formatInt(active.count) : "—"}
              value={active ? active.count : null}
              testid="overview-active-sessions"
              hint={
                active
                  ? `with events in the last ${windowText(active.window_s)}`
                  : status.error
                    ? "status unavailable"
                    : "loading…"
              }
              tone={active && active.count > 0 ? "good" : undefined}
            />
          </div>
        </>
      ) : null}
      {status.error && !status.data ? <ErrorBox error={status.error} what="active sessions (/api/v1/status)" /> : null}
      <BlockCard state={blocks} zone={zone} now={now} />
      {empty ? <EmptyRange range={range} zone={zone} /> : null}
      {charts ? (
        <>
          <div class="card">
            <h2>
              Cost per day by model <span class="dim">({zone})</span>
            </h2>
            <Chart options={charts.cost.options} data={charts.cost.data} testid="overview-chart-cost" />
          </div>
          <div class="grid-2">
            <div class="card">
              <h2>Tokens per day</h2>
              <Chart
                options={charts.tokens.options}
                data={charts.tokens.data}
                height={220}
                testid="overview-chart-tokens"
              />
            </div>
            <div class="card">
              <h2>Cache hit ratio per day</h2>
              <Chart
                options={charts.ratio.options}
                data={charts.ratio.data}
                height={220}
                testid="overview-chart-cache"
              />
            </div>
          </div>
        </>
      ) : null}
      {!empty && totals ? (
        <>
          <div class="card">
            <h2>By project</h2>
            {projects.error ? <ErrorBox error={projects.error} what="usage by project" /> : null}
            {projects.data ? (
              <ShareTable
                testid="overview-by-project"
                label="Project"
                rows={shareRows(projects.data.groups, projects.data.totals)}
                render={(k) => (
                  <Link href={`/sessions?project=${encodeURIComponent(k)}`} title={k}>
                    {shortProject(k)}
                  </Link>
                )}
              />
            ) : null}
          </div>
          <div class="card">
            <h2>Top models</h2>
            {models.error ? <ErrorBox error={models.error} what="usage by model" /> : null}
            {models.data ? <ModelsTable report={models.data} total={totals.cost_usd} /> : null}
          </div>
          <div class="card">
            <h2>By user</h2>
            {users.error ? <ErrorBox error={users.error} what="usage by user" /> : null}
            {users.data ? (
              <ShareTable
                testid="overview-by-user"
                label="User"
                rows={shareRows(users.data.groups, users.data.totals)}
                render={(k) =>
                  k ? (
                    <Link href={`/sessions?user=${encodeURIComponent(k)}`}>{k}</Link>
                  ) : (
                    <span class="dim" title="events that carried no user (transcripts name none)">
                      (no user recorded)
                    </span>
                  )
                }
              />
            ) : null}
          </div>
        </>
      ) : null}
    </Page>
  );
}

// Data shaping for the overview page: the range's first day in the display zone, every day of
// the range (days without usage are zeros, not gaps), stacked series for the charts, and the
// share-of-total rows of the tables. Pure functions: unit-tested in overview.test.ts.
import type { ModelStats, Tokens, UsageGroup, UsageReport, UsageTotals } from "./api";
import { type Range, daySpan, rangeSince } from "./range";

// The days the charts show: the range through today, or for all time from the first day with
// usage through today.
export function chartDays(range: Range, today: string, groups: UsageGroup[]): string[] {
  const since = rangeSince(range, today);
  if (since) return daySpan(since, today);
  if (groups.length === 0) return [];
  const first = groups[0].key;
  const last = groups[groups.length - 1].key > today ? groups[groups.length - 1].key : today;
  return daySpan(first, last);
}

export function emptyTokens(): Tokens {
  return { input: 0, output: 0, cache_write_5m: 0, cache_write_1h: 0, cache_read: 0, total: 0 };
}

export interface Series {
  label: string;
  values: number[];
  // Calls in this series without a price (their cost is not in `values`).
  unpriced?: number;
}

export interface StackedChart {
  days: string[];
  series: Series[];
}

// Cost per day split by model: the `maxSeries - 1` costliest models of the window get their
// own series, the rest are summed into "other". Days missing from the report are zeros.
export function costByModel(report: UsageReport, days: string[], maxSeries = 8): StackedChart {
  const byDay = new Map(report.groups.map((g) => [g.key, g]));
  const totals = new Map<string, number>();
  for (const g of report.groups)
    for (const s of g.split ?? []) totals.set(s.key, (totals.get(s.key) ?? 0) + s.cost_usd);
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const own = ranked.length <= maxSeries ? ranked : ranked.slice(0, maxSeries - 1);
  const ownKeys = new Set(own.map(([k]) => k));
  const hasOther = ranked.length > own.length;
  const series: Series[] = own.map(([key]) => ({
    label: key || "(unknown model)",
    values: days.map(() => 0),
    unpriced: 0,
  }));
  const other: Series = { label: "other models", values: days.map(() => 0), unpriced: 0 };
  const index = new Map(own.map(([k], i) => [k, i]));
  days.forEach((day, i) => {
    const group = byDay.get(day);
    if (!group) return;
    for (const s of group.split ?? []) {
      const target = ownKeys.has(s.key) ? series[index.get(s.key) as number] : other;
      target.values[i] += s.cost_usd;
      target.unpriced = (target.unpriced ?? 0) + s.unpriced_calls;
    }
  });
  if (hasOther) series.push(other);
  return { days, series };
}

// Tokens per day by kind. Cache writes (5-minute and 1-hour) are one series.
export function tokensByKind(groups: UsageGroup[], days: string[]): StackedChart {
  const byDay = new Map(groups.map((g) => [g.key, g.tokens]));
  const pick = (f: (t: Tokens) => number) => days.map((d) => f(byDay.get(d) ?? emptyTokens()));
  return {
    days,
    series: [
      { label: "input", values: pick((t) => t.input) },
      { label: "output", values: pick((t) => t.output) },
      { label: "cache write", values: pick((t) => t.cache_write_5m + t.cache_write_1h) },
      { label: "cache read", values: pick((t) => t.cache_read) },
    ],
  };
}

// Cache hit ratio per day; null (a gap, not 0%) for a day that read no prompt tokens.
export function cacheRatioByDay(groups: UsageGroup[], days: string[]): (number | null)[] {
  const byDay = new Map(groups.map((g) => [g.key, g.cache_hit_ratio]));
  return days.map((d) => byDay.get(d) ?? null);
}

// Running sums for a stacked chart: out[i] = sum of the visible series 0..i. A hidden series
// repeats the level below it, so it adds nothing and the others keep their place.
export function stack(values: number[][], visible?: boolean[]): number[][] {
  const out: number[][] = [];
  let below: number[] | null = null;
  values.forEach((row, i) => {
    const show = visible ? visible[i] !== false : true;
    const level = row.map((v, j) => (below ? below[j] : 0) + (show ? v : 0));
    out.push(level);
    below = level;
  });
  return out;
}

export interface ShareRow {
  key: string;
  cost_usd: number;
  calls: number;
  tokens: number;
  unpriced_calls: number;
  cache_hit_ratio: number | null;
  share: number | null;
}

// Table rows with their share of the window's cost (null when the total is zero).
export function shareRows(groups: UsageGroup[], totals: UsageTotals): ShareRow[] {
  return groups.map((g) => ({
    key: g.key,
    cost_usd: g.cost_usd,
    calls: g.calls,
    tokens: g.tokens.total,
    unpriced_calls: g.unpriced_calls,
    cache_hit_ratio: g.cache_hit_ratio,
    share: totals.cost_usd > 0 ? g.cost_usd / totals.cost_usd : null,
  }));
}

export interface UnpricedModel {
  model: string;
  calls: number;
}

export function unpricedModels(models: ModelStats[]): UnpricedModel[] {
  return models
    .filter((m) => m.unpriced_calls > 0)
    .map((m) => ({ model: m.model || "(unknown model)", calls: m.unpriced_calls }))
    .sort((a, b) => b.calls - a.calls || a.model.localeCompare(b.model));
}

// "2026-04-09" -> "04-09" for axis ticks; the legend shows the whole date.
export function shortDay(day: string): string {
  return day.slice(5);
}

// Time left until `endIso`, in ms, never negative.
export function msUntil(endIso: string, now: number): number {
  const end = new Date(endIso).getTime();
  return Number.isNaN(end) ? 0 : Math.max(0, end - now);
}

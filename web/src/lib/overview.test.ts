import { describe, expect, it } from "vitest";
import type { ModelStats, Tokens, UsageGroup, UsageReport, UsageTotals } from "./api";
import {
  cacheRatioByDay,
  chartDays,
  costByModel,
  msUntil,
  shareRows,
  stack,
  tokensByKind,
  unpricedModels,
} from "./overview";

function tokens(partial: Partial<Tokens>): Tokens {
  const t = { input: 0, output: 0, cache_write_5m: 0, cache_write_1h: 0, cache_read: 0, ...partial };
  return { ...t, total: t.input + t.output + t.cache_write_5m + t.cache_write_1h + t.cache_read };
}

function group(key: string, cost: number, extra: Partial<UsageGroup> = {}): UsageGroup {
  return {
    key,
    calls: 1,
    cost_usd: cost,
    tokens: tokens({ input: 10 }),
    reported_cost_usd: 0,
    computed_cost_usd: cost,
    unpriced_calls: 0,
    cache_hit_ratio: 0.5,
    ...extra,
  };
}

function totals(cost: number): UsageTotals {
  return {
    calls: 3,
    cost_usd: cost,
    tokens: tokens({}),
    reported_cost_usd: 0,
    computed_cost_usd: cost,
    unpriced_calls: 0,
    cache_hit_ratio: null,
  };
}

describe("chart days", () => {
  it("shows all time from the first day with usage through today", () => {
    const groups = [group("2026-11-20", 1), group("2026-11-23", 2)];
    expect(chartDays("all", "2026-11-24", groups)).toEqual([
      "2026-11-20",
      "2026-11-21",
      "2026-11-22",
      "2026-11-23",
      "2026-11-24",
    ]);
    expect(chartDays("all", "2026-11-24", [])).toEqual([]);
    expect(chartDays("7d", "2026-11-24", groups)).toHaveLength(7);
  });
});

describe("chart series", () => {
  const days = ["2026-11-20", "2026-11-21", "2026-11-22"];
  const split = (key: string, cost: number) => ({
    key,
    calls: 1,
    cost_usd: cost,
    tokens: tokens({}),
    unpriced_calls: 0,
  });

  it("fills missing days with zero cost and ranks models by cost", () => {
    const report: UsageReport = {
      by: "day",
      zone: "UTC",
      since: null,
      until: null,
      groups: [
        group("2026-11-20", 3, { split: [split("a", 1), split("b", 2)] }),
        group("2026-11-22", 5, { split: [split("a", 5)] }),
      ],
      totals: totals(8),
    };
    const chart = costByModel(report, days);
    expect(chart.series.map((s) => s.label)).toEqual(["a", "b"]);
    expect(chart.series[0].values).toEqual([1, 0, 5]);
    expect(chart.series[1].values).toEqual([2, 0, 0]);
    expect(chart.series.map((s) => s.unpriced)).toEqual([0, 0]);
  });

  it("counts each model's unpriced calls", () => {
    const report: UsageReport = {
      by: "day",
      zone: "UTC",
      since: null,
      until: null,
      groups: [
        group("2026-11-20", 1, { split: [split("a", 1), { ...split("nebula", 0), unpriced_calls: 2 }] }),
        group("2026-11-21", 0, { split: [{ ...split("nebula", 0), unpriced_calls: 1 }] }),
      ],
      totals: totals(1),
    };
    const chart = costByModel(report, days);
    expect(chart.series.map((s) => [s.label, s.unpriced])).toEqual([
      ["a", 0],
      ["nebula", 3],
    ]);
  });

  it("sums the cheapest models into 'other' beyond the limit", () => {
    const report: UsageReport = {
      by: "day",
      zone: "UTC",
      since: null,
      until: null,
      groups: [
        group("2026-11-20", 10, {
          split: [split("a", 4), split("b", 3), split("c", 2), split("d", 1)],
        }),
      ],
      totals: totals(10),
    };
    const chart = costByModel(report, days, 3);
    expect(chart.series.map((s) => s.label)).toEqual(["a", "b", "other models"]);
    expect(chart.series[2].values).toEqual([3, 0, 0]);
    // Exactly at the limit: no "other".
    expect(costByModel(report, days, 4).series.map((s) => s.label)).toEqual(["a", "b", "c", "d"]);
  });

  it("splits tokens by kind, cache writes together", () => {
    const groups = [
      group("2026-11-21", 1, {
        tokens: tokens({ input: 1, output: 2, cache_write_5m: 3, cache_write_1h: 4, cache_read: 5 }),
      }),
    ];
    const chart = tokensByKind(groups, days);
    expect(chart.series.map((s) => [s.label, s.values])).toEqual([
      ["input", [0, 1, 0]],
      ["output", [0, 2, 0]],
      ["cache write", [0, 7, 0]],
      ["cache read", [0, 5, 0]],
    ]);
  });

  it("leaves the cache ratio of a day without prompt tokens as a gap", () => {
    const groups = [group("2026-11-20", 1, { cache_hit_ratio: 0.9 }), group("2026-11-21", 1, { cache_hit_ratio: null })];
    expect(cacheRatioByDay(groups, days)).toEqual([0.9, null, null]);
  });

  it("stacks visible series and lets hidden ones add nothing", () => {
    const values = [
      [1, 2],
      [10, 20],
      [100, 200],
    ];
    expect(stack(values)).toEqual([
      [1, 2],
      [11, 22],
      [111, 222],
    ]);
    expect(stack(values, [true, false, true])).toEqual([
      [1, 2],
      [1, 2],
      [101, 202],
    ]);
  });
});

describe("tables", () => {
  it("gives each group its share of the cost", () => {
    const rows = shareRows([group("p1", 3), group("p2", 1)], totals(4));
    expect(rows.map((r) => [r.key, r.share])).toEqual([
      ["p1", 0.75],
      ["p2", 0.25],
    ]);
    expect(shareRows([group("p1", 0)], totals(0))[0].share).toBeNull();
  });

  it("lists the unpriced models, most calls first", () => {
    const model = (name: string, unpriced: number): ModelStats => ({
      model: name,
      calls: 5,
      priced_calls: 5 - unpriced,
      unpriced_calls: unpriced,
      tokens: tokens({}),
      cost_usd: 0,
      cache_hit_ratio: null,
      latency_ms: null,
    });
    expect(unpricedModels([model("a", 0), model("b", 1), model("c", 3)])).toEqual([
      { model: "c", calls: 3 },
      { model: "b", calls: 1 },
    ]);
  });

  it("counts the time left in a block, never below zero", () => {
    const now = Date.UTC(2026, 10, 26, 4, 0);
    expect(msUntil("2026-11-26T05:00:00.000Z", now)).toBe(3_600_000);
    expect(msUntil("2026-11-26T03:00:00.000Z", now)).toBe(0);
    expect(msUntil("bad", now)).toBe(0);
  });
});

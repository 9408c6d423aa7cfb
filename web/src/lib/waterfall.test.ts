import { describe, expect, it } from "vitest";
import { activityIntervals, axisTicks, axisX, barFor, buildAxis, niceStep } from "./waterfall";

const S = 1e6; // one second in µs
const MIN = 60 * S;

describe("buildAxis", () => {
  it("is linear when there is no long idle stretch", () => {
    const axis = buildAxis([
      [0, 10 * S],
      [20 * S, 40 * S],
    ]);
    expect(axis.segments).toHaveLength(1);
    expect(axisX(axis, 0)).toBe(0);
    expect(axisX(axis, 20 * S)).toBeCloseTo(0.5, 10);
    expect(axisX(axis, 40 * S)).toBe(1);
  });

  it("squeezes idle gaps longer than five minutes", () => {
    const axis = buildAxis([
      [0, 60 * S],
      [10 * 60 * MIN, 10 * 60 * MIN + 60 * S], // ten hours later
    ]);
    const gaps = axis.segments.filter((s) => s.gap);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].x1 - gaps[0].x0).toBeCloseTo(0.02, 10);
    // both minutes of work get equal room
    expect(axisX(axis, 60 * S)).toBeCloseTo(0.49, 10);
    expect(axisX(axis, 10 * 60 * MIN)).toBeCloseTo(0.51, 10);
    expect(axisX(axis, 10 * 60 * MIN + 60 * S)).toBe(1);
  });

  it("keeps positions increasing through gaps", () => {
    const intervals: Array<[number, number]> = [];
    for (let i = 0; i < 40; i++) intervals.push([i * 60 * MIN, i * 60 * MIN + 5 * MIN]);
    const axis = buildAxis(intervals);
    let last = -1;
    for (let t = 0; t <= 40 * 60 * MIN; t += 7 * MIN) {
      const x = axisX(axis, t);
      expect(x).toBeGreaterThanOrEqual(last);
      last = x;
    }
    const gaps = axis.segments.filter((s) => s.gap);
    expect(gaps).toHaveLength(12); // the longest twelve of 39
    const gapWidth = gaps.reduce((s, g) => s + g.x1 - g.x0, 0);
    expect(gapWidth).toBeLessThanOrEqual(0.3 + 1e-9);
  });

  it("squeezes the longest gaps when there are too many", () => {
    const intervals: Array<[number, number]> = [];
    let t = 0;
    for (let i = 0; i < 20; i++) {
      intervals.push([t, t + MIN]);
      t += MIN + (i === 7 ? 600 : 10 + i) * MIN; // one long break among shorter ones
    }
    const axis = buildAxis(intervals, null, { maxGaps: 3 });
    const gaps = axis.segments.filter((s) => s.gap);
    expect(gaps).toHaveLength(3);
    expect(gaps.map((g) => Math.round((g.t1 - g.t0) / MIN))).toEqual([600, 27, 28]) // i = 17, 18: the last interval has no gap after it;
  });

  it("zooms to a domain and clips bars to it", () => {
    const axis = buildAxis([[0, 100 * S]], [40 * S, 60 * S]);
    expect(axisX(axis, 50 * S)).toBeCloseTo(0.5, 10);
    expect(barFor(axis, 0, 10 * S)).toBeNull();
    const bar = barFor(axis, 30 * S, 45 * S)!;
    expect(bar.clippedLeft).toBe(true);
    expect(bar.left).toBe(0);
    expect(bar.width).toBeCloseTo(0.25, 10);
    expect(barFor(axis, 50 * S, 70 * S)!.clippedRight).toBe(true);
  });

  it("copes with a single instant and with nothing", () => {
    const one = buildAxis([[5 * S, 5 * S]]);
    expect(one.t1).toBeGreaterThan(one.t0);
    expect(barFor(one, 5 * S, 5 * S)).toEqual({ left: 0, width: 0, clippedLeft: false, clippedRight: false });
    const none = buildAxis([]);
    expect(none.segments).toHaveLength(1);
  });
});

describe("ticks", () => {
  it("picks round steps", () => {
    expect(niceStep(10 * S, 8)).toBe(2 * S);
    expect(niceStep(3 * 1000, 6)).toBe(1000);
    expect(niceStep(90 * MIN, 6)).toBe(15 * MIN);
  });

  it("puts ticks on round times, spaced apart", () => {
    const axis = buildAxis([[1.3 * S, 11.3 * S]]);
    const ticks = axisTicks(axis, 8);
    expect(ticks.length).toBeGreaterThan(2);
    for (const t of ticks) expect(t.t % t.step).toBe(0);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i].x - ticks[i - 1].x).toBeGreaterThanOrEqual(0.07);
  });

  it("has no ticks inside a squeezed gap", () => {
    const axis = buildAxis([
      [0, 60 * S],
      [10 * 60 * MIN, 10 * 60 * MIN + 60 * S],
    ]);
    for (const t of axisTicks(axis, 10)) {
      expect(t.t <= 60 * S || t.t >= 10 * 60 * MIN).toBe(true);
    }
  });
});

describe("activityIntervals", () => {
  it("skips rows without a time and fixes reversed ends", () => {
    expect(
      activityIntervals([
        { start: null, end: null },
        { start: 5, end: 3 },
        { start: 1, end: 2 },
      ]),
    ).toEqual([
      [5, 5],
      [1, 2],
    ]);
  });
});

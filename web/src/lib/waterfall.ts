// The replay waterfall's time axis: maps a time (µs since the epoch) to a horizontal position
// 0..1 shared by every row. A session can idle for hours between prompts (overnight, lunch);
// drawn linearly its minutes of work would be a few pixels wide, so idle gaps longer than
// `gapMinUs` are squeezed to a narrow fixed-width break and the active spans share the rest.

export interface AxisSegment {
  t0: number;
  t1: number;
  x0: number;
  x1: number;
  gap: boolean; // a squeezed idle stretch
}

export interface Axis {
  t0: number;
  t1: number;
  segments: AxisSegment[];
}

export interface AxisOptions {
  gapMinUs?: number; // idle stretches at least this long are squeezed (default 5 minutes)
  gapWidth?: number; // width of one squeezed gap, as a fraction of the axis (default 0.02)
  maxGaps?: number; // squeeze at most this many, the longest (default 12): more is just noise
}

const DEFAULT_GAP_MIN_US = 5 * 60 * 1e6;

// `intervals` are the [start, end] spans of activity (end ≥ start); `domain` clips the axis to a
// window (zoom), else it covers them all.
export function buildAxis(
  intervals: Array<[number, number]>,
  domain?: [number, number] | null,
  options: AxisOptions = {},
): Axis {
  const gapMin = options.gapMinUs ?? DEFAULT_GAP_MIN_US;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  if (domain) {
    [lo, hi] = domain;
  } else {
    for (const [s, e] of intervals) {
      lo = Math.min(lo, s);
      hi = Math.max(hi, e);
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi <= lo) hi = lo + 1000; // one instant: give it a millisecond

  // Merge the activity inside the domain and find the idle stretches between.
  const spans = intervals
    .map(([s, e]): [number, number] => [Math.max(lo, s), Math.min(hi, Math.max(s, e))])
    .filter(([s, e]) => s <= e)
    .sort((a, b) => a[0] - b[0]);
  // Only stretches between two spans: idle time at either edge of a given domain (a zoom
  // window) stays linear, the user asked for that window.
  let inner: Array<[number, number]> = [];
  let cursor: number | null = null;
  for (const [s, e] of spans) {
    if (cursor !== null && s - cursor >= gapMin) inner.push([cursor, s]);
    cursor = cursor === null ? e : Math.max(cursor, e);
  }
  const maxGaps = options.maxGaps ?? 12;
  if (inner.length > maxGaps) {
    inner = [...inner]
      .sort((a, b) => b[1] - b[0] - (a[1] - a[0]) || a[0] - b[0])
      .slice(0, maxGaps)
      .sort((a, b) => a[0] - b[0]);
  }

  const gapWidth = inner.length ? Math.min(options.gapWidth ?? 0.02, 0.3 / inner.length) : 0;
  const idle = inner.reduce((sum, [s, e]) => sum + (e - s), 0);
  const active = hi - lo - idle;
  const activeWidth = 1 - gapWidth * inner.length;
  const segments: AxisSegment[] = [];
  let x = 0;
  let t = lo;
  const pushActive = (until: number) => {
    if (until <= t) return;
    const w = active > 0 ? ((until - t) / active) * activeWidth : 0;
    segments.push({ t0: t, t1: until, x0: x, x1: x + w, gap: false });
    x += w;
    t = until;
  };
  for (const [s, e] of inner) {
    pushActive(s);
    segments.push({ t0: s, t1: e, x0: x, x1: x + gapWidth, gap: true });
    x += gapWidth;
    t = e;
  }
  pushActive(hi);
  if (segments.length === 0) segments.push({ t0: lo, t1: hi, x0: 0, x1: 1, gap: false });
  segments[segments.length - 1].x1 = 1;
  return { t0: lo, t1: hi, segments };
}

// Position 0..1 of time t (outside the axis: below 0 or above 1, linearly).
export function axisX(axis: Axis, t: number): number {
  const span = axis.t1 - axis.t0;
  if (t <= axis.t0) return (t - axis.t0) / span;
  if (t >= axis.t1) return 1 + (t - axis.t1) / span;
  for (const s of axis.segments) {
    if (t <= s.t1) {
      const len = s.t1 - s.t0;
      return len > 0 ? s.x0 + ((t - s.t0) / len) * (s.x1 - s.x0) : s.x0;
    }
  }
  return 1;
}

export interface Bar {
  left: number; // 0..1
  width: number; // 0..1 (0 for an instant: drawn as a tick)
  clippedLeft: boolean; // starts before the axis
  clippedRight: boolean; // ends after it
}

// Where a row's bar goes, or null when the span lies wholly outside the axis.
export function barFor(axis: Axis, start: number | null, end: number | null): Bar | null {
  if (start === null) return null;
  const e = end === null || end < start ? start : end;
  if (e < axis.t0 || start > axis.t1) return null;
  const x0 = axisX(axis, start);
  const x1 = axisX(axis, e);
  const left = Math.max(0, x0);
  const right = Math.min(1, x1);
  return { left, width: Math.max(0, right - left), clippedLeft: x0 < 0, clippedRight: x1 > 1 };
}

const STEPS_US = [
  1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, // ms
  1e6, 2e6, 5e6, 1e7, 15e6, 3e7, // s
  6e7, 12e7, 3e8, 6e8, 9e8, 18e8, // min
  36e8, 72e8, 108e8, 216e8, 432e8, // h
  864e8, 1728e8, 6048e8, // days, week
];

// The smallest round step that cuts `spanUs` into at most `count` pieces.
export function niceStep(spanUs: number, count: number): number {
  const target = spanUs / Math.max(1, count);
  for (const s of STEPS_US) if (s >= target) return s;
  return STEPS_US[STEPS_US.length - 1];
}

export interface Tick {
  x: number;
  t: number;
  step: number;
}

// Round-time ticks on each active segment, about `count` across the whole axis, none closer
// than `minGap` (fraction of the width: a label's width) to the one before or to the end.
export function axisTicks(axis: Axis, count = 8, minGap = 0.07): Tick[] {
  const ticks: Tick[] = [];
  for (const seg of axis.segments) {
    if (seg.gap) continue;
    const width = seg.x1 - seg.x0;
    const n = Math.max(1, Math.round(count * width));
    const step = niceStep(seg.t1 - seg.t0, n);
    let t = Math.ceil(seg.t0 / step) * step;
    for (; t <= seg.t1; t += step) {
      const x = axisX(axis, t);
      if (ticks.length && x - ticks[ticks.length - 1].x < minGap) continue;
      if (x > 1 - minGap) continue; // its label (drawn to the right of the tick) would not fit
      ticks.push({ x, t, step });
    }
  }
  return ticks;
}

// Every [start, end] a model offers the axis.
export function activityIntervals(
  nodes: Iterable<{ start: number | null; end: number | null }>,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const n of nodes) {
    if (n.start === null) continue;
    out.push([n.start, n.end === null || n.end < n.start ? n.start : n.end]);
  }
  return out;
}

import { describe, expect, it } from "vitest";
import {
  dayInZone,
  formatClock,
  formatDateTime,
  formatDuration,
  formatInt,
  formatUsd,
  shortModel,
  shortProject,
} from "./format";

// The oracle: Intl's own parts for the zone, the slow way.
function referenceParts(iso: string, zone: string, ms: boolean): Record<string, string> {
  const f = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    ...(ms ? { fractionalSecondDigits: 3 as const } : {}),
    hourCycle: "h23",
  });
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(iso))) out[p.type] = p.value;
  return out;
}
function refClock(iso: string | null, zone: string): string {
  if (!iso || Number.isNaN(new Date(iso).getTime())) return "—";
  const p = referenceParts(iso, zone, true);
  return `${p.hour}:${p.minute}:${p.second}.${p.fractionalSecond ?? "000"}`;
}
function refDateTime(iso: string | null, zone: string): string {
  if (!iso || Number.isNaN(new Date(iso).getTime())) return "—";
  const p = referenceParts(iso, zone, false);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}
function refUsd(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  const digits = abs !== 0 && abs < 1 ? 4 : 2;
  return (value < 0 ? "-$" : "$") + abs.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
function refInt(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  return Math.round(value).toLocaleString("en-US");
}

const ZONES = [
  "UTC",
  "Europe/Paris",
  "America/Los_Angeles",
  "America/Sao_Paulo",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
];

// A fixed pseudo-random sequence, so a failure can be replayed.
function* instants(n: number): Generator<string> {
  let x = 12345;
  const lo = Date.UTC(2020, 0, 1);
  const hi = Date.UTC(2031, 0, 1);
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield new Date(lo + (x / 2147483648) * (hi - lo)).toISOString();
  }
}

describe("cached formatters give Intl's own text", () => {
  it("money and integers", () => {
    for (const v of [0, 1e-7, 0.00079025, 0.0504075, 0.99999, 1, 12.345, 1234567.891, -0.5, -2500, NaN, null]) {
      expect(formatUsd(v)).toBe(refUsd(v));
      expect(formatInt(v)).toBe(refInt(v));
    }
  });

  it("clock and date in every zone, across DST changes", () => {
    for (const zone of ZONES) {
      for (const iso of instants(400)) {
        expect(formatClock(iso, zone)).toBe(refClock(iso, zone));
        expect(formatDateTime(iso, zone)).toBe(refDateTime(iso, zone));
        expect(dayInZone(new Date(iso).getTime(), zone)).toBe(refDateTime(iso, zone).slice(0, 10));
      }
    }
  });

  it("right at a DST change", () => {
    // Paris 2026-03-29 01:00 UTC (02:00 → 03:00), Los Angeles 2026-11-01 09:00 UTC
    for (const [zone, at] of [
      ["Europe/Paris", Date.UTC(2026, 2, 29, 1)],
      ["America/Los_Angeles", Date.UTC(2026, 10, 1, 9)],
    ] as const) {
      for (const delta of [-1, 0, 1, 999, 60_000]) {
        const iso = new Date(at + delta).toISOString();
        expect(formatClock(iso, zone)).toBe(refClock(iso, zone));
      }
    }
  });

  it("microsecond timestamps and bad input", () => {
    expect(formatClock("2026-11-25T20:43:24.269038Z", "UTC")).toBe(refClock("2026-11-25T20:43:24.269038Z", "UTC"));
    expect(formatClock(null, "UTC")).toBe("—");
    expect(formatDateTime("nope", "UTC")).toBe("—");
  });
});

describe("names and durations", () => {
  it("shortProject keeps what the key can tell", () => {
    expect(shortProject("/home/dev/src/payments_api")).toBe("payments_api");
    expect(shortProject("/home/dev/src/payments_api/")).toBe("payments_api");
    expect(shortProject("-home-dev-src-payments-api")).toBe("src-payments-api");
    expect(shortProject("-Users-ann-work-app")).toBe("work-app");
    expect(shortProject("-srv-app")).toBe("-srv-app");
    expect(shortProject("")).toBe("(none)");
  });
  it("shortModel drops the vendor and the date", () => {
    expect(shortModel("claude-sonnet-4-5-20250929")).toBe("sonnet-4-5");
    expect(shortModel("gpt-x")).toBe("gpt-x");
  });
  it("formatDuration picks a unit", () => {
    expect(formatDuration(999)).toBe("999 ms");
    expect(formatDuration(1500)).toBe("1.50 s");
    expect(formatDuration(61_000)).toBe("1m 1s");
    expect(formatDuration(3_600_000 * 50)).toBe("2d 2h");
    expect(formatDuration(null)).toBe("—");
    // rounding never shows 60 of a unit
    expect(formatDuration(999.6)).toBe("1.00 s");
    expect(formatDuration(9_999)).toBe("10.0 s");
    expect(formatDuration(59_990)).toBe("1m 0s");
    expect(formatDuration(179_800)).toBe("3m 0s");
    expect(formatDuration(3_599_700)).toBe("1h 0m");
    for (let ms = 0; ms < 4e8; ms = ms * 1.37 + 1) {
      expect(formatDuration(ms)).not.toMatch(/\b60(\.0)? ?[smh]\b|\b(24|48)h\b.*d|\b1000 ms/);
    }
  });
});

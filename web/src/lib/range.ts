// Date ranges of the Overview and Tools pages, cut in the display zone. Pure functions:
// unit-tested in range.test.ts.

export type Range = "7d" | "30d" | "90d" | "all";
export const RANGES: Range[] = ["7d", "30d", "90d", "all"];
export const DEFAULT_RANGE: Range = "30d";

export function parseRange(value: string | null): Range {
  return RANGES.includes(value as Range) ? (value as Range) : DEFAULT_RANGE;
}

export function rangeLabel(range: Range): string {
  switch (range) {
    case "7d":
      return "last 7 days";
    case "30d":
      return "last 30 days";
    case "90d":
      return "last 90 days";
    default:
      return "all time";
  }
}

// Calendar arithmetic on YYYY-MM-DD (no zone involved: a day is a day).
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d + n));
  return date.toISOString().slice(0, 10);
}

// Every day from `from` through `to`, inclusive. Empty when from > to.
export function daySpan(from: string, to: string, maxDays = 3700): string[] {
  const out: string[] = [];
  for (let day = from; day <= to && out.length < maxDays; day = addDays(day, 1)) out.push(day);
  return out;
}

// The first day of a range ending today (inclusive: "7d" is today and the six days before),
// or null for all time. Passed to the API as since=YYYY-MM-DD with tz=zone.
export function rangeSince(range: Range, today: string): string | null {
  const days = range === "7d" ? 7 : range === "30d" ? 30 : range === "90d" ? 90 : 0;
  return days ? addDays(today, -(days - 1)) : null;
}


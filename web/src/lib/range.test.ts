import { describe, expect, it } from "vitest";
import { dayInZone } from "./format";
import { addDays, daySpan, parseRange, rangeSince } from "./range";

describe("ranges and days", () => {
  it("parses the range, defaulting to 30d", () => {
    expect(parseRange("7d")).toBe("7d");
    expect(parseRange("all")).toBe("all");
    expect(parseRange(null)).toBe("30d");
    expect(parseRange("1y")).toBe("30d");
  });

  it("cuts the calendar day in the zone", () => {
    const instant = Date.UTC(2026, 10, 25, 23, 30); // 2026-11-25T23:30Z
    expect(dayInZone(instant, "UTC")).toBe("2026-11-25");
    expect(dayInZone(instant, "Europe/Paris")).toBe("2026-11-26");
    expect(dayInZone(instant, "America/Los_Angeles")).toBe("2026-11-25");
  });

  it("adds days across months, years and DST", () => {
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-29", -1)).toBe("2026-03-28");
  });

  it("lists every day inclusive", () => {
    expect(daySpan("2026-10-30", "2026-11-02")).toEqual([
      "2026-10-30",
      "2026-10-31",
      "2026-11-01",
      "2026-11-02",
    ]);
    expect(daySpan("2026-11-02", "2026-11-01")).toEqual([]);
  });

  it("starts a range so that it holds today and n-1 days before", () => {
    expect(rangeSince("7d", "2026-11-26")).toBe("2026-11-20");
    expect(rangeSince("30d", "2026-11-26")).toBe("2026-10-28");
    expect(rangeSince("all", "2026-11-26")).toBeNull();
    expect(daySpan(rangeSince("90d", "2026-11-26") as string, "2026-11-26")).toHaveLength(90);
  });

});

describe("ranges in the user's zone", () => {
  it("counts today as the first day, in the user's zone", () => {
    const now = Date.UTC(2026, 10, 26, 5, 30); // 05:30 UTC = 21:30 the day before in Los Angeles
    expect(dayInZone(now, "UTC")).toBe("2026-11-26");
    expect(dayInZone(now, "America/Los_Angeles")).toBe("2026-11-25");
    expect(rangeSince("7d", dayInZone(now, "UTC"))).toBe("2026-11-20");
    expect(rangeSince("7d", dayInZone(now, "America/Los_Angeles"))).toBe("2026-11-19");
    expect(rangeSince("30d", dayInZone(Date.UTC(2026, 2, 1, 12), "UTC"))).toBe("2026-01-31");
    expect(rangeSince("all", dayInZone(now, "UTC"))).toBeNull();
  });
});


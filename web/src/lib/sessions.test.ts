import { describe, expect, it } from "vitest";
import {
  advance,
  fingerprint,
  hasFilters,
  moveSelection,
  parseFilters,
  previous,
  sessionsQuery,
  sortQuery,
  toggleSort,
} from "./sessions";

const q = (s: string) => new URLSearchParams(s);

describe("filters from the URL", () => {
  it("reads every filter and defaults the rest", () => {
    const f = parseFilters(q("q=fix&project=-home-a&user=me&model=m&since=2026-11-01&until=2026-11-20&errors=1&sort=cost&order=asc&cursor=abc"));
    expect(f).toEqual({
      q: "fix",
      project: "-home-a",
      user: "me",
      model: "m",
      since: "2026-11-01",
      until: "2026-11-20",
      errors: "1",
      sort: "cost",
      order: "asc",
      cursor: "abc",
    });
    const d = parseFilters(q("sort=name&order=sideways&errors=maybe"));
    expect([d.sort, d.order, d.errors, d.q]).toEqual(["last", "desc", "", ""]);
    expect(hasFilters(d)).toBe(false);
    expect(hasFilters(f)).toBe(true);
  });

  it("builds the API query: has_errors, zone only with dates, defaults left out", () => {
    const f = parseFilters(q("q=%20fix%20&errors=0"));
    expect(sessionsQuery(f, "Europe/Paris")).toEqual({
      q: "fix",
      project: "",
      user: "",
      model: "",
      since: "",
      until: "",
      tz: undefined,
      has_errors: "false",
      sort: undefined,
      order: undefined,
      cursor: "",
      limit: 50,
      include_total: true,
    });
    const dated = sessionsQuery(parseFilters(q("since=2026-11-01&sort=cost&order=asc&errors=1")), "Europe/Paris");
    expect([dated.tz, dated.has_errors, dated.sort, dated.order]).toEqual(["Europe/Paris", "true", "cost", "asc"]);
  });

  it("fingerprints filters without the cursor", () => {
    expect(fingerprint(parseFilters(q("q=a&cursor=x")), "UTC")).toBe(fingerprint(parseFilters(q("q=a")), "UTC"));
    expect(fingerprint(parseFilters(q("q=a")), "UTC")).not.toBe(fingerprint(parseFilters(q("q=b")), "UTC"));
    expect(fingerprint(parseFilters(q("q=a")), "UTC")).not.toBe(fingerprint(parseFilters(q("q=a")), "Asia/Tokyo"));
  });
});

describe("sorting", () => {
  it("flips the order on the same column, starts descending on another", () => {
    expect(toggleSort(parseFilters(q("")), "last")).toEqual({ sort: "last", order: "asc" });
    expect(toggleSort(parseFilters(q("order=asc")), "last")).toEqual({ sort: "last", order: "desc" });
    expect(toggleSort(parseFilters(q("sort=cost&order=asc")), "tokens")).toEqual({ sort: "tokens", order: "desc" });
  });

  it("leaves defaults out of the URL and drops the cursor", () => {
    expect(sortQuery("last", "desc")).toEqual({ sort: null, order: null, cursor: null });
    expect(sortQuery("cost", "asc")).toEqual({ sort: "cost", order: "asc", cursor: null });
  });
});

describe("cursor trail", () => {
  it("walks forward and back", () => {
    let trail = { pages: [""] };
    trail = advance(trail, "", "c1");
    trail = advance(trail, "c1", "c2");
    expect(trail.pages).toEqual(["", "c1", "c2"]);
    expect(previous(trail, "c2")).toBe("c1");
    expect(previous(trail, "c1")).toBe("");
    expect(previous(trail, "")).toBeNull();
  });

  it("drops a stale branch when going forward from an earlier page", () => {
    const trail = advance({ pages: ["", "c1", "c2", "c3"] }, "c1", "x2");
    expect(trail.pages).toEqual(["", "c1", "x2"]);
  });

  it("sends a deep link's previous to the first page", () => {
    const empty = { pages: [] as string[] };
    expect(previous(empty, "deep")).toBe("");
    expect(advance(empty, "deep", "next").pages).toEqual(["", "deep", "next"]);
  });
});

describe("row selection", () => {
  it("moves within the page", () => {
    expect(moveSelection(-1, 1, 5)).toBe(0);
    expect(moveSelection(-1, -1, 5)).toBe(4);
    expect(moveSelection(4, 1, 5)).toBe(4);
    expect(moveSelection(0, -1, 5)).toBe(0);
    expect(moveSelection(2, 1, 0)).toBe(-1);
  });
});

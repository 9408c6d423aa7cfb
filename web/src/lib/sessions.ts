// The sessions page's state: filters read from the URL (so deep links work), the API query
// they make, sort toggling, and the stack of keyset cursors behind "previous". Pure functions:
// unit-tested in sessions.test.ts.
import type { Query, SessionRow } from "./api";

export const PAGE_SIZE = 50;

export type SortKey = "last" | "first" | "cost" | "tokens" | "calls" | "duration";
export const SORT_KEYS: SortKey[] = ["last", "first", "cost", "tokens", "calls", "duration"];
export type Order = "asc" | "desc";

export interface SessionFilters {
  q: string;
  project: string;
  user: string;
  model: string;
  since: string;
  until: string;
  errors: "" | "1" | "0";
  sort: SortKey;
  order: Order;
  cursor: string;
}

export function parseFilters(query: URLSearchParams): SessionFilters {
  const sort = query.get("sort") ?? "";
  const order = query.get("order");
  const errors = query.get("errors") ?? "";
  return {
    q: query.get("q") ?? "",
    project: query.get("project") ?? "",
    user: query.get("user") ?? "",
    model: query.get("model") ?? "",
    since: query.get("since") ?? "",
    until: query.get("until") ?? "",
    errors: errors === "1" || errors === "0" ? errors : "",
    sort: SORT_KEYS.includes(sort as SortKey) ? (sort as SortKey) : "last",
    order: order === "asc" ? "asc" : "desc",
    cursor: query.get("cursor") ?? "",
  };
}

// The request for one page. Dates (YYYY-MM-DD) are read by the server in `zone`.
export function sessionsQuery(f: SessionFilters, zone: string): Query {
  return {
    q: f.q.trim(),
    project: f.project,
    user: f.user,
    model: f.model,
    since: f.since,
    until: f.until,
    tz: f.since || f.until ? zone : undefined,
    has_errors: f.errors === "1" ? "true" : f.errors === "0" ? "false" : undefined,
    sort: f.sort === "last" ? undefined : f.sort,
    order: f.order === "desc" ? undefined : f.order,
    cursor: f.cursor,
    limit: PAGE_SIZE,
    include_total: true,
  };
}

// Everything that selects and orders the rows, without the page position: a cursor is only
// valid for the fingerprint it was issued under.
export function fingerprint(f: SessionFilters, zone: string): string {
  return JSON.stringify([f.q.trim(), f.project, f.user, f.model, f.since, f.until, f.errors, f.sort, f.order, zone]);
}

export function hasFilters(f: SessionFilters): boolean {
  return Boolean(f.q.trim() || f.project || f.user || f.model || f.since || f.until || f.errors);
}

// Clicking a column: the same column flips the order; another one sorts by it, largest or
// latest first.
export function toggleSort(f: SessionFilters, key: SortKey): { sort: SortKey; order: Order } {
  if (f.sort === key) return { sort: key, order: f.order === "desc" ? "asc" : "desc" };
  return { sort: key, order: "desc" };
}

// URL values for a sort: the defaults are left out so the plain URL stays plain.
export function sortQuery(sort: SortKey, order: Order): Record<string, string | null> {
  return { sort: sort === "last" ? null : sort, order: order === "desc" ? null : order, cursor: null };
}

// The cursors of the pages visited under one fingerprint, first page "" first. The page shown
// is the one whose cursor is in the URL; "previous" is the entry before it.
export interface CursorTrail {
  pages: string[];
}

export function position(trail: CursorTrail, cursor: string): number {
  return trail.pages.indexOf(cursor);
}

// Going forward from the page at `cursor` to `next`: later entries are dropped (they were
// reached from another branch) and `next` is appended.
export function advance(trail: CursorTrail, cursor: string, next: string): CursorTrail {
  let at = position(trail, cursor);
  let pages = trail.pages;
  if (at < 0) {
    // A deep link into the middle: what came before it is unknown, so "previous" leads to
    // the first page.
    pages = cursor ? ["", cursor] : [""];
    at = pages.length - 1;
  }
  return { pages: [...pages.slice(0, at + 1), next] };
}

// The cursor of the page before the one at `cursor` ("" = the first page), or null on the
// first page.
export function previous(trail: CursorTrail, cursor: string): string | null {
  if (!cursor) return null;
  const at = position(trail, cursor);
  if (at <= 0) return "";
  return trail.pages[at - 1];
}

export function errorCount(s: SessionRow): number {
  return s.counts.tool_errors + s.counts.api_errors;
}

// The selection after j / k, kept within the page.
export function moveSelection(current: number, delta: number, rows: number): number {
  if (rows <= 0) return -1;
  if (current < 0) return delta > 0 ? 0 : rows - 1;
  return Math.min(rows - 1, Math.max(0, current + delta));
}

// Sessions: one page of the session list at a time (the server filters, sorts and pages by
// keyset cursor, so it stays fast at any size), with filters kept in the URL.
import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { EmptyState, ErrorBox, GettingStarted, Link, Loading, Page } from "../components/common";
import { ApiError, api, type SessionRow } from "../lib/api";
import {
  formatAgo,
  formatCompact,
  formatDateTime,
  formatDuration,
  formatInt,
  formatUsd,
  shortId,
  shortModel,
  shortProject,
} from "../lib/format";
import { useDebounced, useNow, usePageKeys } from "../lib/pageHooks";
import { navigate, setQuery, useApp } from "../lib/router";
import {
  PAGE_SIZE,
  advance,
  errorCount,
  fingerprint,
  hasFilters,
  moveSelection,
  parseFilters,
  previous,
  sessionsQuery,
  sortQuery,
  toggleSort,
  type CursorTrail,
  type SessionFilters,
  type SortKey,
} from "../lib/sessions";
import { useFetch } from "../lib/useFetch";

// The cursors of the pages visited, per filter set, for "previous". Kept at module level so
// the trail survives a visit to a session's replay and the way back.
const trails = new Map<string, CursorTrail>();

const SEARCH_DEBOUNCE_MS = 250;
const NO_CALLS =
  "No model call seen for this session: hook events carry no token counts. Claude Code's OpenTelemetry export or its transcript (imported at the end of a turn) add them.";

function SortHeader(props: {
  filters: SessionFilters;
  sortKey: SortKey;
  num?: boolean;
  title?: string;
  children: ComponentChildren;
}) {
  const { filters, sortKey } = props;
  const active = filters.sort === sortKey;
  return (
    <th
      class={`sortable${props.num ? " num" : ""}${active ? " sorted" : ""}`}
      data-sort={sortKey}
      title={props.title ?? "Sort (click again to reverse)"}
      aria-sort={active ? (filters.order === "asc" ? "ascending" : "descending") : "none"}
      tabIndex={0}
      onClick={() => {
        const next = toggleSort(filters, sortKey);
        setQuery(sortQuery(next.sort, next.order));
      }}
      onKeyDown={(e) => {
        if (e.key !== "Enter" && e.key !== " ") return;
        e.preventDefault();
        e.stopPropagation();
        const next = toggleSort(filters, sortKey);
        setQuery(sortQuery(next.sort, next.order));
      }}
    >
      {props.children}
      <span class="sort-mark" aria-hidden="true">
        {active ? (filters.order === "asc" ? " ▲" : " ▼") : ""}
      </span>
    </th>
  );
}

function FilterSelect(props: {
  testid: string;
  label: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (value: string) => void;
}) {
  const known = props.options.some((o) => o.value === props.value);
  return (
    <label class="filter">
      <span class="filter-label">{props.label}</span>
      <select
        data-testid={props.testid}
        value={props.value}
        onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}
      >
        <option value="">any</option>
        {!known && props.value ? <option value={props.value}>{props.value}</option> : null}
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function SearchBox(props: { value: string }) {
  const [text, setText] = useState(props.value);
  const input = useRef<HTMLInputElement>(null);
  const settled = useDebounced(text, SEARCH_DEBOUNCE_MS);
  // A change from outside (back button, a link) replaces what is in the box unless the user
  // is typing in it.
  useEffect(() => {
    if (document.activeElement !== input.current) setText(props.value);
  }, [props.value]);
  useEffect(() => {
    if (settled !== props.value) setQuery({ q: settled, cursor: null });
    // only when the typed text settles
  }, [settled]);
  return (
    <input
      ref={input}
      type="search"
      placeholder="Search id, project, branch, title, model…  ( / )"
      aria-label="Search sessions"
      data-testid="sessions-search"
      data-search=""
      value={text}
      onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
      onKeyDown={(e) => {
        if (e.key === "Escape") (e.currentTarget as HTMLInputElement).blur();
      }}
    />
  );
}

function Filters(props: { filters: SessionFilters; zone: string }) {
  const { filters, zone } = props;
  // The choices: every project, user and model with usage, all time.
  const options = useFetch(
    async (signal) => {
      const [projects, users, models] = await Promise.all([
        api.usage({ by: "project", tz: zone }, signal),
        api.usage({ by: "user", tz: zone }, signal),
        api.models({ tz: zone }, signal),
      ]);
      return {
        projects: projects.groups.filter((g) => g.key).map((g) => g.key),
        users: users.groups.filter((g) => g.key).map((g) => g.key),
        models: models.models.filter((m) => m.model).map((m) => m.model),
      };
    },
    `session-filter-options|${zone}`,
  );
  const set = (key: string) => (value: string) => setQuery({ [key]: value, cursor: null });
  const sorted = (list: string[] | undefined, label: (v: string) => string) =>
    (list ?? [])
      .map((v) => ({ value: v, label: label(v) }))
      .sort((a, b) => a.label.localeCompare(b.label));
  return (
    <div class="filters">
      <SearchBox value={filters.q} />
      <FilterSelect
        testid="sessions-filter-project"
        label="Project"
        value={filters.project}
        options={sorted(options.data?.projects, shortProject)}
        onChange={set("project")}
      />
      <FilterSelect
        testid="sessions-filter-user"
        label="User"
        value={filters.user}
        options={sorted(options.data?.users, (u) => u)}
        onChange={set("user")}
      />
      <FilterSelect
        testid="sessions-filter-model"
        label="Model"
        value={filters.model}
        options={sorted(options.data?.models, (m) => m)}
        onChange={set("model")}
      />
      <label class="filter">
        <span class="filter-label">Errors</span>
        <select
          data-testid="sessions-filter-errors"
          value={filters.errors}
          onChange={(e) => set("errors")((e.currentTarget as HTMLSelectElement).value)}
        >
          <option value="">any</option>
          <option value="1">with errors</option>
          <option value="0">without errors</option>
        </select>
      </label>
      <label class="filter">
        <span class="filter-label">Since</span>
        <input
          type="date"
          data-testid="sessions-filter-since"
          value={filters.since}
          max={filters.until || undefined}
          onChange={(e) => set("since")((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      <label class="filter">
        <span class="filter-label">Until</span>
        <input
          type="date"
          data-testid="sessions-filter-until"
          value={filters.until}
          min={filters.since || undefined}
          onChange={(e) => set("until")((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      {hasFilters(filters) ? (
        <button
          type="button"
          data-testid="sessions-clear"
          onClick={() =>
            setQuery({ q: null, project: null, user: null, model: null, since: null, until: null, errors: null, cursor: null })
          }
        >
          Clear filters
        </button>
      ) : null}
      {options.error ? <span class="dim">(filter choices unavailable: {options.error.message})</span> : null}
    </div>
  );
}

function SessionTableRow(props: {
  s: SessionRow;
  zone: string;
  now: number;
  selected: boolean;
  onSelect: () => void;
}) {
  const { s, zone, now } = props;
  const errors = errorCount(s);
  const more = s.models.length > 1 ? s.models.length - 1 : 0;
  // No model call seen (hooks carry no usage): the cost is unknown, not $0.
  const noCalls = s.counts.model_calls === 0;
  return (
    <tr
      data-testid="session-row"
      data-session-id={s.session_id}
      class={`${props.selected ? "selected" : ""}${errors > 0 ? " has-errors" : ""}`}
      aria-selected={props.selected}
      onClick={(e) => {
        if ((e.target as HTMLElement).closest("a")) return;
        props.onSelect();
        navigate(`/sessions/${encodeURIComponent(s.session_id)}`);
      }}
    >
      <td title={formatDateTime(s.first_ts, zone)}>{formatDateTime(s.first_ts, zone).slice(0, 16)}</td>
      <td title={formatDateTime(s.last_ts, zone)} class="dim">
        {formatAgo(s.last_ts, now)}
      </td>
      <td class="truncate project-cell" title={s.cwd ? `${s.cwd} (${s.project})` : s.project}>
        {shortProject(s.cwd || s.project)}
        {s.git_branch ? <span class="dim"> · {s.git_branch}</span> : null}
      </td>
      <td class="truncate title-cell">
        <Link href={`/sessions/${encodeURIComponent(s.session_id)}`} title={s.session_id}>
          {s.title ? s.title : <span class="mono">{shortId(s.session_id)}</span>}
        </Link>
      </td>
      <td class="truncate" title={s.models.join(", ")}>
        {s.primary_model ? shortModel(s.primary_model) : <span class="dim">—</span>}
        {more ? <span class="dim"> +{more}</span> : null}
      </td>
      <td class="num">{formatDuration(s.duration_ms)}</td>
      <td class="num">{formatInt(s.counts.prompts)}</td>
      <td class="num">{formatInt(s.counts.model_calls)}</td>
      <td class="num">{formatInt(s.counts.tool_calls)}</td>
      <td
        class={`num${errors > 0 ? " bad" : " dim"}`}
        title={errors > 0 ? `${s.counts.tool_errors} tool errors, ${s.counts.api_errors} API errors` : undefined}
      >
        {errors > 0 ? <span class="pill bad">{formatInt(errors)}</span> : "0"}
      </td>
      <td class="num">{noCalls ? <span class="dim">—</span> : formatCompact(s.tokens.total)}</td>
      <td class="num" title={noCalls ? NO_CALLS : undefined}>
        {noCalls ? <span class="dim">—</span> : formatUsd(s.cost.usd)}
        {s.cost.unpriced_calls > 0 ? (
          <span class="pill warn" title={`${s.cost.unpriced_calls} calls without a price are not in this cost`}>
            +{s.cost.unpriced_calls} unpriced
          </span>
        ) : null}
      </td>
    </tr>
  );
}

export function SessionsPage(props: { query: URLSearchParams }) {
  const { zone } = useApp();
  const now = useNow(30_000);
  const filters = parseFilters(props.query);
  const query = sessionsQuery(filters, zone);
  const fp = fingerprint(filters, zone);
  const key = JSON.stringify(query);
  const page = useFetch((signal) => api.sessions(query, signal), key);
  const [selected, setSelected] = useState(-1);
  const table = useRef<HTMLTableElement>(null);

  // A new page or filter starts without a selection.
  useEffect(() => setSelected(-1), [key]);

  const rows = useMemo(() => page.data?.sessions ?? [], [page.data]);
  const trail = trails.get(fp) ?? { pages: [""] };
  const prevCursor = previous(trail, filters.cursor);
  const pageIndex = filters.cursor ? trail.pages.indexOf(filters.cursor) : 0;

  usePageKeys((event) => {
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      const next = moveSelection(selected, event.key === "j" ? 1 : -1, rows.length);
      setSelected(next);
      const row = table.current?.querySelectorAll("tbody tr")[next] as HTMLElement | undefined;
      row?.scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter" && selected >= 0 && rows[selected]) {
      const tag = (event.target as HTMLElement | null)?.tagName;
      if (tag === "A" || tag === "BUTTON") return;
      event.preventDefault();
      navigate(`/sessions/${encodeURIComponent(rows[selected].session_id)}`);
    }
  });

  const goNext = () => {
    const next = page.data?.next_cursor;
    if (!next) return;
    trails.set(fp, advance(trail, filters.cursor, next));
    setQuery({ cursor: next }, false);
    window.scrollTo({ top: 0 });
  };
  const goPrev = () => {
    if (prevCursor === null) return;
    setQuery({ cursor: prevCursor }, false);
    window.scrollTo({ top: 0 });
  };

  const total = page.data?.total;
  const invalidCursor = page.error instanceof ApiError && page.error.code === "invalid_cursor";
  // data-ready="0" again while another page, sort or filter loads (the old rows stay, dimmed):
  // "1" means the rows on screen answer the URL, which is what the load test times.
  const ready = (page.data !== undefined || page.error !== undefined) && !page.loading;
  const firstRow = pageIndex >= 0 ? pageIndex * PAGE_SIZE + 1 : null;

  let body: ComponentChildren;
  if (page.error && (invalidCursor || !page.data)) {
    body = (
      <>
        <ErrorBox error={page.error} what="sessions" />
        {filters.cursor ? (
          <button type="button" onClick={() => setQuery({ cursor: null })}>
            Back to the first page
          </button>
        ) : null}
      </>
    );
  } else if (!page.data) {
    body = <Loading what="sessions" />;
  } else if (rows.length === 0) {
    body = hasFilters(filters) ? (
      <EmptyState title="No sessions match these filters">
        <p>
          Nothing matches{filters.q.trim() ? ` “${filters.q.trim()}”` : ""} with the filters above. Search covers
          session ids, projects, cwd, branches, titles and models (and prompt text stored at tier 2 or 3).
        </p>
        <button
          type="button"
          onClick={() =>
            setQuery({ q: null, project: null, user: null, model: null, since: null, until: null, errors: null, cursor: null })
          }
        >
          Clear filters
        </button>
      </EmptyState>
    ) : filters.cursor ? (
      <EmptyState title="No more sessions">
        <button type="button" onClick={() => setQuery({ cursor: null })}>
          Back to the first page
        </button>
      </EmptyState>
    ) : (
      <EmptyState title="No sessions stored yet">
        <GettingStarted />
      </EmptyState>
    );
  } else {
    body = (
      <>
        {page.error ? <ErrorBox error={page.error} what="sessions" /> : null}
        <div class="table-wrap">
          <table class={`data sessions${page.loading ? " stale" : ""}`} ref={table}>
            <thead>
              <tr>
                <SortHeader filters={filters} sortKey="first">
                  Started
                </SortHeader>
                <SortHeader filters={filters} sortKey="last">
                  Last active
                </SortHeader>
                <th>Project</th>
                <th>Session</th>
                <th>Model</th>
                <SortHeader filters={filters} sortKey="duration" num>
                  Duration
                </SortHeader>
                <th class="num">Prompts</th>
                <SortHeader filters={filters} sortKey="calls" num title="Model calls (click again to reverse)">
                  Calls
                </SortHeader>
                <th class="num">Tools</th>
                <th class="num" title="Tool errors + API errors">
                  Errors
                </th>
                <SortHeader filters={filters} sortKey="tokens" num>
                  Tokens
                </SortHeader>
                <SortHeader filters={filters} sortKey="cost" num>
                  Cost
                </SortHeader>
              </tr>
            </thead>
            <tbody>
              {rows.map((s, i) => (
                <SessionTableRow
                  key={s.session_id}
                  s={s}
                  zone={zone}
                  now={now}
                  selected={i === selected}
                  onSelect={() => setSelected(i)}
                />
              ))}
            </tbody>
          </table>
        </div>
      </>
    );
  }

  const showPager = page.data !== undefined && (rows.length > 0 || filters.cursor !== "");
  return (
    <Page
      name="sessions"
      title="Sessions"
      ready={ready}
      actions={
        <span class="dim" data-testid="sessions-total" data-value={total === undefined ? "" : String(total)}>
          {total === undefined
            ? page.data
              ? `${formatInt(rows.length)}${page.data.next_cursor ? "+" : ""} sessions`
              : ""
            : `${formatInt(total)} session${total === 1 ? "" : "s"}`}
          {hasFilters(filters) && total !== undefined ? " match" : ""}
        </span>
      }
    >
      <Filters filters={filters} zone={zone} />
      {body}
      {showPager ? (
        <div class="pager">
          <span class="dim">
            {firstRow !== null && rows.length > 0
              ? `${formatInt(firstRow)}–${formatInt(firstRow + rows.length - 1)}${total !== undefined ? ` of ${formatInt(total)}` : ""}`
              : ""}
            {"  "}
            <kbd>j</kbd>/<kbd>k</kbd> select, <kbd>Enter</kbd> open
          </span>
          <button type="button" data-testid="sessions-prev" disabled={prevCursor === null} onClick={goPrev}>
            ← Previous
          </button>
          <button type="button" data-testid="sessions-next" disabled={!page.data?.next_cursor} onClick={goNext}>
            Next →
          </button>
        </div>
      ) : null}
    </Page>
  );
}

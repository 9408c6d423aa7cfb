// Live: canonical events as they are stored, over Server-Sent Events (/api/v1/stream),
// newest first. The page opens with the last stored events that match its filters (?tail=),
// then follows live; a dropped connection resumes from the last event seen; repeats are skipped.
import { useEffect, useRef, useState } from "preact/hooks";
import { EmptyState, ErrorBox, Link, Page } from "../components/common";
import { ApiError } from "../lib/api";
import { getToken, withAccessToken } from "../lib/auth";
import { dayInZone, formatClock, formatDateTime, formatInt, shortId, shortProject } from "../lib/format";
import {
  KINDS,
  KIND_PRESETS,
  MAX_EVENTS,
  TAIL_EVENTS,
  addEvents,
  arrivalTime,
  emptyList,
  kindTone,
  parseEvent,
  ratePerMinute,
  streamUrl,
  subject,
  summarize,
  type LiveEvent,
  type LiveList,
  type StreamFilters,
} from "../lib/live";
import { useDebounced, useNow } from "../lib/pageHooks";
import { setQuery, useApp } from "../lib/router";

type Connection = "connecting" | "connected" | "reconnecting";

const FLUSH_MS = 200;
const FILTER_DEBOUNCE_MS = 300;
const MAX_BACKOFF_MS = 30_000;

function matches(e: LiveEvent, f: StreamFilters): boolean {
  if (f.session.trim() && e.session_id !== f.session.trim()) return false;
  if (f.project.trim() && e.project !== f.project.trim() && e.cwd !== f.project.trim()) return false;
  if (f.kind && !f.kind.split(",").includes(e.kind)) return false;
  return true;
}

// Why the stream was refused, which an EventSource does not say: the status of the same
// request made with fetch (null when it could not be made at all). A stream that opens this
// time is closed at once; the EventSource is retried as usual.
async function streamStatus(url: string, cancel: AbortSignal): Promise<number | null> {
  const controller = new AbortController();
  const onCancel = () => controller.abort();
  cancel.addEventListener("abort", onCancel);
  try {
    const response = await fetch(url, { signal: controller.signal, headers: { Accept: "text/event-stream" } });
    return response.status;
  } catch {
    return null;
  } finally {
    controller.abort();
    cancel.removeEventListener("abort", onCancel);
  }
}

// Opens the stream for `filters`, hands parsed events to `onEvents` in batches, and reopens
// it after a failure the browser will not retry by itself (a non-200 answer, a restart) —
// except a refused token (401), which retrying does not mend: `refused` says so instead.
function useEventStream(
  filters: StreamFilters,
  onEvents: (events: LiveEvent[]) => void,
  lastSeq: () => number | null,
): { connection: Connection; opened: boolean; refused: boolean } {
  const [connection, setConnection] = useState<Connection>("connecting");
  const [opened, setOpened] = useState(false);
  const [refused, setRefused] = useState(false);
  const deliver = useRef(onEvents);
  deliver.current = onEvents;
  const resumeFrom = useRef(lastSeq);
  resumeFrom.current = lastSeq;
  const url = streamUrl(filters);

  useEffect(() => {
    let source: EventSource | null = null;
    let retry: number | undefined;
    let backoff = 1000;
    let stopped = false;
    const cancel = new AbortController();
    let pending: LiveEvent[] = [];
    const token = getToken();
    setRefused(false);
    const flush = window.setInterval(() => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      deliver.current(batch);
    }, FLUSH_MS);

    const onMessage = (message: MessageEvent<string>) => {
      const event = parseEvent(message.data, message.lastEventId, message.type);
      if (event) pending.push(event);
    };
    const open = (resume: number | null) => {
      if (stopped) return;
      setConnection(resume === null && !source ? "connecting" : "reconnecting");
      // A first open starts with the last stored events that match; a reopen resumes after
      // the last event seen instead.
      const href = withAccessToken(
        resume === null ? streamUrl(filters, null, TAIL_EVENTS) : streamUrl(filters, String(resume)),
        token,
      );
      const es = new EventSource(href);
      source = es;
      es.onopen = () => {
        backoff = 1000;
        setConnection("connected");
        setOpened(true);
      };
      es.onerror = () => {
        if (stopped) return;
        setConnection("reconnecting");
        setOpened(true);
        if (es.readyState === EventSource.CLOSED) {
          // The browser gave up (an HTTP error or a refused connection): unless the token was
          // refused, try again later, resuming after the last event seen.
          es.close();
          void streamStatus(href, cancel.signal).then((status) => {
            if (stopped) return;
            if (status === 401) {
              setRefused(true);
              return;
            }
            window.clearTimeout(retry);
            retry = window.setTimeout(() => open(resumeFrom.current()), backoff);
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
          });
        }
      };
      es.onmessage = onMessage;
      for (const kind of KINDS) es.addEventListener(kind, onMessage as EventListener);
    };
    open(null);
    return () => {
      stopped = true;
      cancel.abort();
      window.clearInterval(flush);
      window.clearTimeout(retry);
      source?.close();
    };
    // filters are in the URL string
  }, [url]);

  return { connection, opened, refused };
}

function LiveRow(props: { e: LiveEvent; zone: string; today: string; onSession: (id: string) => void }) {
  const { e, zone, today } = props;
  const sameDay = e.ts ? dayInZone(new Date(e.ts).getTime(), zone) === today : true;
  const tone = kindTone(e.kind, e);
  return (
    <tr
      data-testid="live-event"
      data-event-id={e.event_id}
      data-session-id={e.session_id ?? ""}
      data-kind={e.kind}
      class={tone === "bad" ? "has-errors" : undefined}
    >
      <td class="mono" title={`${formatDateTime(e.ts, zone)} (${zone}); stored ${formatDateTime(e.ingest_ts, zone)}`}>
        {sameDay ? formatClock(e.ts, zone) : formatDateTime(e.ts, zone)}
      </td>
      <td>
        <span class={`pill ${tone}`}>{e.kind}</span>
      </td>
      <td class="dim">{e.source}</td>
      <td class="mono">
        {e.session_id ? (
          <>
            <Link href={`/sessions/${encodeURIComponent(e.session_id)}`} title={`Replay ${e.session_id}`}>
              {shortId(e.session_id)}
            </Link>{" "}
            <button
              type="button"
              class="link-button"
              title="Show only this session"
              onClick={() => props.onSession(e.session_id ?? "")}
            >
              filter
            </button>
          </>
        ) : (
          <span class="dim">—</span>
        )}
        {e.agent_id ? <span class="dim" title={`subagent ${e.agent_id}`}> ↳{shortId(e.agent_id)}</span> : null}
      </td>
      <td class="truncate project-cell" title={e.cwd || e.project}>
        {e.project || e.cwd ? shortProject(e.project || e.cwd || "") : <span class="dim">—</span>}
      </td>
      <td class="truncate">{subject(e)}</td>
      <td class="truncate summary-cell" title={summarize(e)}>
        {summarize(e)}
      </td>
    </tr>
  );
}

export function LivePage(props: { query: URLSearchParams }) {
  const { zone } = useApp();
  const filters: StreamFilters = {
    session: props.query.get("session") ?? "",
    project: props.query.get("project") ?? "",
    kind: props.query.get("kind") ?? "",
  };
  const [list, setList] = useState<LiveList>(emptyList);
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState<LiveEvent[]>([]);
  const arrivals = useRef<number[]>([]);
  const listRef = useRef(list);
  listRef.current = list;
  const heldRef = useRef(held);
  heldRef.current = held;
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const now = useNow(2000);

  const lastSeq = () => {
    let seq = listRef.current.lastSeq;
    for (const e of heldRef.current) if (e.seq !== null && (seq === null || e.seq > seq)) seq = e.seq;
    return seq;
  };

  const { connection, opened, refused } = useEventStream(
    filters,
    (batch) => {
      const t = Date.now();
      for (const e of batch) arrivals.current.push(arrivalTime(e, t));
      arrivals.current = ratePerMinute(arrivals.current, t).kept;
      if (pausedRef.current) {
        // Held back while paused; only the newest MAX_EVENTS would be shown anyway.
        setHeld((h) => h.concat(batch).slice(-MAX_EVENTS));
      } else {
        setList((l) => addEvents(l, batch));
      }
    },
    lastSeq,
  );

  // A new filter keeps the rows it still matches; the stream reconnects with it.
  const filterKey = streamUrl(filters);
  const firstFilter = useRef(filterKey);
  useEffect(() => {
    if (firstFilter.current === filterKey) return;
    firstFilter.current = filterKey;
    setList((l) => {
      const kept = l.events.filter((e) => matches(e, filters));
      return { events: kept, ids: new Set(kept.map((e) => e.event_id)), lastSeq: l.lastSeq };
    });
    setHeld((h) => h.filter((e) => matches(e, filters)));
    arrivals.current = [];
  }, [filterKey]);

  // The session box: typed text reconnects once it settles (or at once on Enter).
  const [sessionText, setSessionText] = useState(filters.session);
  const settled = useDebounced(sessionText, FILTER_DEBOUNCE_MS);
  useEffect(() => {
    if (settled.trim() !== filters.session) setQuery({ session: settled.trim() });
  }, [settled]);
  useEffect(() => {
    if (filters.session !== sessionText.trim()) setSessionText(filters.session);
  }, [filters.session]);

  const resume = () => {
    setList((l) => addEvents(l, heldRef.current));
    setHeld([]);
    setPaused(false);
  };
  const clear = () => {
    // Forget the rows but not their ids: a replay after a reconnect must not bring them back.
    setList((l) => ({ events: [], ids: l.ids.size > 4 * MAX_EVENTS ? new Set() : new Set(l.ids), lastSeq: l.lastSeq }));
    setHeld([]);
  };

  const rate = ratePerMinute(arrivals.current, now).rate;
  const today = dayInZone(now, zone);
  const kindKnown = KIND_PRESETS.some((p) => p.value === filters.kind) || KINDS.includes(filters.kind as never);

  return (
    <Page
      name="live"
      title="Live"
      ready={opened}
      actions={
        <>
          <span class={`conn conn-${refused ? "refused" : connection}`} data-testid="live-status" role="status">
            {refused ? "token refused" : connection}
          </span>
          <span class="dim" data-testid="live-rate" data-value={String(rate)} title="Events received in the last minute">
            {formatInt(rate)} events/min
          </span>
        </>
      }
    >
      <div class="filters">
        <label class="filter">
          <span class="filter-label">Session</span>
          <input
            type="search"
            data-testid="live-filter"
            data-search=""
            placeholder="session id (all sessions)"
            value={sessionText}
            onInput={(e) => setSessionText((e.currentTarget as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") setQuery({ session: sessionText.trim() });
            }}
          />
        </label>
        <label class="filter">
          <span class="filter-label">Kind</span>
          <select
            data-testid="live-kind"
            value={filters.kind}
            onChange={(e) => setQuery({ kind: (e.currentTarget as HTMLSelectElement).value })}
          >
            {KIND_PRESETS.map((p) => (
              <option key={p.label} value={p.value}>
                {p.label}
              </option>
            ))}
            <optgroup label="one kind">
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </optgroup>
            {!kindKnown ? <option value={filters.kind}>{filters.kind}</option> : null}
          </select>
        </label>
        {filters.project ? (
          <span class="pill" title={filters.project}>
            project {shortProject(filters.project)}{" "}
            <button type="button" class="link-button" title="All projects" onClick={() => setQuery({ project: null })}>
              ×
            </button>
          </span>
        ) : null}
        <button
          type="button"
          data-testid="live-pause"
          aria-pressed={paused}
          onClick={() => (paused ? resume() : setPaused(true))}
        >
          {paused ? `▶ Resume${held.length ? ` (${formatInt(held.length)} new)` : ""}` : "❚❚ Pause"}
        </button>
        <button type="button" data-testid="live-clear" onClick={clear} disabled={list.events.length === 0 && held.length === 0}>
          Clear
        </button>
        <span class="dim">
          {formatInt(list.events.length)} shown (newest first, at most {formatInt(MAX_EVENTS)})
        </span>
      </div>
      {refused ? (
        <ErrorBox error={new ApiError(401, "unauthorized", "missing or wrong bearer token")} what="the live stream" />
      ) : list.events.length === 0 ? (
        <EmptyState title={paused ? "Paused" : "Waiting for events…"}>
          <p>
            Events appear here as they are stored: hook events as Claude Code runs (with hooks wired by{" "}
            <code>agent-trace init</code>), OpenTelemetry records as they are exported, and transcript lines when{" "}
            <code>agent-trace serve</code> imports them.
            {filters.session || filters.kind || filters.project ? " Only events matching the filters above are shown." : ""}
          </p>
          {connection !== "connected" ? (
            <p class="warn">
              Not connected to <code>/api/v1/stream</code> yet; retrying. Is <code>agent-trace serve</code> running?
            </p>
          ) : null}
        </EmptyState>
      ) : (
        <div class="table-wrap">
          <table class="data live">
            <thead>
              <tr>
                <th>Time ({zone})</th>
                <th>Kind</th>
                <th>Source</th>
                <th>Session</th>
                <th>Project</th>
                <th>Tool / model</th>
                <th>Summary</th>
              </tr>
            </thead>
            <tbody>
              {list.events.map((e) => (
                <LiveRow key={e.event_id} e={e} zone={zone} today={today} onSession={(id) => setQuery({ session: id })} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}

// Status: is capture working? The same report as `agent-trace status --json`, problems and
// their fixes first, refreshed every 5 s.
import type { ComponentChildren } from "preact";
import { EmptyState, ErrorBox, Loading, Page, Stat } from "../components/common";
import { api, type StatusReport } from "../lib/api";
import { formatAgo, formatBytes, formatDateTime, formatDuration, formatInt } from "../lib/format";
import { useNow } from "../lib/pageHooks";
import { useApp } from "../lib/router";
import { bool, isStale, num, obj, receiverRows, str, windowText, wiringScopes, wiringSummary } from "../lib/status";
import { useFetch } from "../lib/useFetch";

const POLL_MS = 5000;

function uptime(seconds: number | null): string {
  if (seconds === null) return "?";
  return seconds < 60 ? `${Math.round(seconds)} s` : formatDuration(seconds * 1000);
}

function Row(props: { label: string; children: ComponentChildren; tone?: string }) {
  return (
    <tr>
      <th scope="row">{props.label}</th>
      <td class={props.tone}>{props.children}</td>
    </tr>
  );
}

function Problems(props: { report: StatusReport }) {
  const { report } = props;
  if (report.healthy && report.problems.length === 0) {
    return (
      <div class="status-banner good" data-testid="status-healthy" data-value="true" role="status">
        <strong>Capture is working.</strong>{" "}
        {report.warnings.length > 0
          ? `${report.warnings.length} warning${report.warnings.length === 1 ? "" : "s"} below.`
          : "No problems found."}
      </div>
    );
  }
  return (
    <div class="status-banner bad" data-testid="status-healthy" data-value="false" role="alert">
      <strong>
        {report.problems.length} problem{report.problems.length === 1 ? "" : "s"}
      </strong>
      <ul class="problems">
        {report.problems.map((p, i) => (
          <li key={i}>
            {p.problem}
            <div>
              fix: <code class="fix">{p.fix}</code>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Server(props: { report: StatusReport; zone: string; now: number }) {
  const { report, zone, now } = props;
  const s = report.server;
  const h = s.health;
  if (!s.reachable) {
    return (
      <div class="card">
        <h2>Server</h2>
        <p class="bad">
          Nothing answers at <code>{s.url}</code>
          {s.error ? `: ${s.error}` : ""}. Start it with <code>agent-trace serve</code>.
        </p>
      </div>
    );
  }
  const listen = obj(h, "listen");
  const writerError = str(h, "writer", "last_error");
  const importError = str(h, "imports", "last_error");
  const indexError = str(h, "index", "last_error");
  const spoolError = str(h, "spool", "last_error");
  const stream = obj(h, "api", "stream");
  const retries = num(h, "writer", "retries") ?? 0;
  const dead = num(h, "writer", "dead_lettered") ?? 0;
  return (
    <div class="card">
      <h2>
        Server{" "}
        <span class={str(h, "status") === "ok" ? "pill good" : "pill bad"}>{str(h, "status") || `HTTP ${s.http_status}`}</span>
      </h2>
      <table class="kv">
        <tbody>
          <Row label="Address">
            <code>{s.url}</code> · agent-trace {str(h, "version") || "?"} · pid {num(h, "pid") ?? "?"} · up{" "}
            {uptime(num(h, "uptime_s"))}
          </Row>
          <Row label="Listening">
            {Object.entries(listen).map(([k, v], i) => (
              <span key={k}>
                {i > 0 ? ", " : ""}
                {k} <code>{String(v)}</code>
              </span>
            ))}
          </Row>
          <Row label="Store" tone={bool(h, "store", "available") === false ? "bad" : undefined}>
            {str(h, "store", "engine")} <code>{str(h, "store", "path")}</code>{" "}
            {bool(h, "store", "available") === false ? "(UNAVAILABLE)" : "(available)"}
          </Row>
          <Row label="Queue">
            {formatInt(num(h, "queue", "depth_records"))} records ({formatBytes(num(h, "queue", "depth_bytes"))}){" "}
            waiting in {formatInt(num(h, "queue", "segments"))} segment(s); {formatInt(num(h, "queue", "appended_total"))}{" "}
            appended, {formatInt(num(h, "queue", "syncs_total"))} syncs
            {(num(h, "queue", "recovered_records") ?? 0) > 0
              ? `; ${formatInt(num(h, "queue", "recovered_records"))} recovered at start`
              : ""}
            {(num(h, "queue", "corrupt_records") ?? 0) > 0 ? (
              <span class="bad">; {formatInt(num(h, "queue", "corrupt_records"))} corrupt records</span>
            ) : null}
          </Row>
          <Row label="Writer" tone={writerError || dead > 0 ? "bad" : retries > 0 ? "warn" : undefined}>
            {formatInt(num(h, "writer", "stored_events"))} events stored in {formatInt(num(h, "writer", "batches"))}{" "}
            batches; {formatInt(retries)} retries; {formatInt(dead)} dead-lettered
            {bool(h, "writer", "store_unavailable") ? "; store unavailable" : ""}
            {writerError ? (
              <div>
                last error: {writerError}
                {str(h, "writer", "last_error_at")
                  ? ` (${formatDateTime(str(h, "writer", "last_error_at"), zone)})`
                  : ""}
              </div>
            ) : null}
          </Row>
          <Row label="Spool drain" tone={spoolError ? "bad" : undefined}>
            {formatInt(num(h, "spool", "drained_total"))} drained, {formatInt(num(h, "spool", "malformed"))} malformed
            {spoolError ? `; last error: ${spoolError}` : ""}
          </Row>
          <Row label="Imports" tone={importError ? "bad" : undefined}>
            {formatInt(num(h, "imports", "sessions_imported"))} sessions in {formatInt(num(h, "imports", "runs"))} runs,{" "}
            {formatInt(num(h, "imports", "events_written"))} events; {formatInt(num(h, "imports", "errors"))} errors
            {bool(h, "imports", "history_done") === false ? "; importing history…" : ""}
            {str(h, "imports", "last_import_at")
              ? `; last ${formatAgo(str(h, "imports", "last_import_at"), now)}`
              : ""}
            {importError ? <div>last error: {importError}</div> : null}
          </Row>
          <Row label="Index" tone={indexError ? "bad" : (num(h, "index", "stale") ?? 0) > 0 ? "warn" : undefined}>
            {formatInt(num(h, "index", "fused"))} sessions fused, {formatInt(num(h, "index", "stale"))} waiting;{" "}
            {formatInt(num(h, "index", "errors"))} errors
            {indexError ? <div>last error: {indexError}</div> : null}
          </Row>
          {Object.keys(obj(h, "dashboard")).length > 0 ? (
            <Row label="Dashboard" tone={str(h, "dashboard", "problem") ? "bad" : undefined}>
              {bool(h, "dashboard", "available") === false ? "not available" : "served"} from{" "}
              <code>{str(h, "dashboard", "web_dir") || "?"}</code> ({formatInt(num(h, "dashboard", "files"))} files,{" "}
              {formatBytes(num(h, "dashboard", "bytes"))})
              {str(h, "dashboard", "problem") ? <div>{str(h, "dashboard", "problem")}</div> : null}
            </Row>
          ) : null}
          <Row label="API" tone={(num(h, "api", "responses", "5xx") ?? 0) > 0 ? "warn" : undefined}>
            {["2xx", "4xx", "5xx"].map((k, i) => (
              <span key={k}>
                {i > 0 ? ", " : ""}
                {formatInt(num(h, "api", "responses", k))} {k}
              </span>
            ))}{" "}
            responses
          </Row>
          <Row label="Live stream">
            {formatInt(num(stream, "clients"))} clients ({formatInt(num(stream, "clients_total"))} since start),{" "}
            {formatInt(num(stream, "events_sent"))} events sent, {formatInt(num(stream, "dropped_slow"))} dropped as slow
            {str(stream, "last_error") ? `; last error: ${str(stream, "last_error")}` : ""}
          </Row>
        </tbody>
      </table>
    </div>
  );
}

function Receivers(props: { report: StatusReport }) {
  const h = props.report.server.health;
  const rows = receiverRows(h);
  const http = obj(h, "ingest", "http");
  const grpc = obj(h, "ingest", "otlp", "grpc");
  if (rows.length === 0) return null;
  return (
    <div class="card">
      <h2>Ingest per receiver</h2>
      <table class="data">
        <thead>
          <tr>
            <th>Receiver</th>
            <th class="num">Requests</th>
            <th class="num">Accepted</th>
            <th class="num">Rejected</th>
            <th>Rejected because</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.receiver} data-testid="status-receiver" data-receiver={r.receiver}>
              <td>{r.receiver}</td>
              <td class="num">{r.requests === null ? "—" : formatInt(r.requests)}</td>
              <td class="num">{formatInt(r.accepted)}</td>
              <td class={`num${(r.rejected ?? 0) > 0 ? " bad" : ""}`}>{formatInt(r.rejected)}</td>
              <td class="wrap">
                {r.reasons.length === 0 ? (
                  <span class="dim">—</span>
                ) : (
                  r.reasons.map(([reason, count]) => (
                    <div key={reason}>
                      {formatInt(count)} × {reason}
                    </div>
                  ))
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="legend-note">
        HTTP: {formatInt(num(http, "connections"))} connections, {formatInt(num(http, "requests"))} requests,{" "}
        {formatInt(num(http, "too_large"))} too large, {formatInt(num(http, "malformed"))} malformed. OTLP/gRPC:{" "}
        {formatInt(num(grpc, "calls"))} calls, {formatInt(num(grpc, "invalid"))} invalid,{" "}
        {formatInt(num(grpc, "unauthenticated"))} unauthenticated. Dropped attributes:{" "}
        {formatInt(num(h, "ingest", "otlp", "dropped_attributes"))}, redactions:{" "}
        {formatInt(num(h, "ingest", "otlp", "redactions"))}.
      </p>
    </div>
  );
}

function Sources(props: { report: StatusReport; zone: string; now: number }) {
  const { report, zone, now } = props;
  const store = report.store;
  return (
    <div class="card">
      <h2>
        Store <span class="dim mono">{store.path}</span>
      </h2>
      {store.error ? <p class="bad">{store.error}</p> : null}
      {!store.exists ? (
        <p class="dim">No store yet: it is created when the first event is stored.</p>
      ) : store.sources.length === 0 ? (
        <p class="dim">No events stored yet.</p>
      ) : (
        <table class="data">
          <thead>
            <tr>
              <th>Source</th>
              <th class="num">Last hour</th>
              <th class="num">Total</th>
              <th>Last event</th>
              <th>Last ingest</th>
            </tr>
          </thead>
          <tbody>
            {store.sources.map((s) => (
              <tr key={s.source} data-testid="status-source" data-source={s.source}>
                <td>{s.source}</td>
                <td class="num">{formatInt(s.events_last_hour)}</td>
                <td class="num">{formatInt(s.events_total)}</td>
                <td class={isStale(s.last_event_at, now) ? "dim" : undefined}>
                  {formatDateTime(s.last_event_at, zone)}{" "}
                  <span class="dim">({formatAgo(s.last_event_at, now)})</span>
                </td>
                <td>
                  {formatDateTime(s.last_ingest_at, zone)} <span class="dim">({formatAgo(s.last_ingest_at, now)})</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="legend-note">
        "Last event" is when it happened (an imported transcript can be old); "last ingest" is when it was stored.
      </p>
    </div>
  );
}

function Wiring(props: { report: StatusReport }) {
  const scopes = wiringScopes(props.report);
  return (
    <div class="card">
      <h2>Claude Code wiring</h2>
      <table class="data">
        <thead>
          <tr>
            <th>Scope</th>
            <th>State</th>
            <th>Settings file</th>
          </tr>
        </thead>
        <tbody>
          {scopes.map((s) => {
            const summary = wiringSummary(s);
            return (
              <tr key={s.scope} data-testid="status-scope" data-scope={s.scope}>
                <td>{s.scope}</td>
                <td class={`wrap ${summary.tone}`}>
                  {summary.text}
                  {s.missing_events.length > 0 && s.hook_events_wired > 0 ? (
                    <div class="dim">missing: {s.missing_events.join(", ")}</div>
                  ) : null}
                  {s.hook_commands.map((c) => (
                    <div key={c} class="dim">
                      hook: <code>{c}</code>
                    </div>
                  ))}
                </td>
                <td class="wrap">
                  <code>{s.path}</code>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function StatusPage() {
  const { zone } = useApp();
  const now = useNow(5000);
  const state = useFetch((signal) => api.status(signal), "status", POLL_MS);
  const report = state.data;
  const ready = report !== undefined || state.error !== undefined;
  const active = report?.active_sessions;

  return (
    <Page
      name="status"
      title="Status"
      ready={ready}
      actions={
        report ? (
          <span class="dim" title="Refreshed every 5 s">
            checked {formatDateTime(report.checked_at, zone)}
            {state.error ? " (refresh failed)" : ""}
          </span>
        ) : null
      }
    >
      {state.error ? <ErrorBox error={state.error} what="the status report" /> : null}
      {!report && !state.error ? <Loading what="status" /> : null}
      {!report && state.error ? (
        <EmptyState title="No status report">
          <p>
            The dashboard could not read <code>/api/v1/status</code>. On the machine running the server,{" "}
            <code>agent-trace status</code> prints the same report.
          </p>
        </EmptyState>
      ) : null}
      {report ? (
        <>
          <Problems report={report} />
          {report.warnings.length > 0 ? (
            <div class="banner" data-testid="status-warnings">
              <strong>Warnings</strong>
              <ul class="problems">
                {report.warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            </div>
          ) : null}
          <div class="stats">
            <Stat
              label="Queue depth"
              display={formatInt(num(report.server.health, "queue", "depth_records"))}
              value={num(report.server.health, "queue", "depth_records")}
              testid="status-queue-depth"
              hint={`${formatBytes(num(report.server.health, "queue", "depth_bytes"))} waiting for the writer`}
              tone={(num(report.server.health, "queue", "depth_records") ?? 0) > 1000 ? "warn" : undefined}
            />
            <Stat
              label="Spool"
              display={report.spool.pending_records === null ? "?" : formatInt(report.spool.pending_records)}
              value={report.spool.pending_records}
              testid="status-spool"
              hint="hook events waiting for the server"
              tone={(report.spool.pending_records ?? 0) > 0 ? "warn" : undefined}
            />
            <Stat
              label="Dead letters"
              display={report.dlq.count === null ? "?" : formatInt(report.dlq.count)}
              value={report.dlq.count}
              testid="status-dlq"
              hint={`agent-trace dlq list · ${report.dlq.dir}`}
              tone={(report.dlq.count ?? 0) > 0 ? "bad" : undefined}
            />
            <Stat
              label="Store size"
              display={formatBytes(report.store.bytes)}
              value={report.store.bytes}
              testid="status-store-bytes"
              hint={report.store.wal_bytes > 0 ? `+ ${formatBytes(report.store.wal_bytes)} WAL` : "no WAL"}
            />
            <Stat
              label="Active sessions"
              display={active ? formatInt(active.count) : "—"}
              value={active ? active.count : null}
              hint={active ? `with events in the last ${windowText(active.window_s)}` : undefined}
            />
          </div>
          <Sources report={report} zone={zone} now={now} />
          <div class="grid-2">
            <Server report={report} zone={zone} now={now} />
            <Wiring report={report} />
          </div>
          <Receivers report={report} />
          <p class="legend-note">
            Data directory <code>{report.data_dir}</code>; spool <code>{report.spool.dir}</code>. The same report in a
            terminal: <code>agent-trace status</code> (<code>--json</code> for this JSON).
          </p>
        </>
      ) : null}
    </Page>
  );
}

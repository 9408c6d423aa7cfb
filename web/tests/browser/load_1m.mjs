#!/usr/bin/env node
// How long the dashboard takes to show its data on a store of at least 1,000,000 events,
// measured in a real browser:
//   1. the store: bench/api_latency.sh's data step (DATA_ONLY=1): generated transcripts in
//      chunks, each imported with the real `agent-trace import` and deleted, until the store
//      holds EVENTS events (counted in SQLite);
//   2. `agent-trace serve` with the dashboard on that store; wait until its fused index has
//      caught up (nothing stale);
//   3. chromium at 1280x800: Overview (/?range=all) and Sessions (/sessions), each loaded
//      once cold (a fresh browser context, the first query of the server) and 3 times warm;
//      the figure is the page's own performance.now() (ms since navigation start) at the
//      moment its root section gets data-ready="1".
//   4. 100,000 more sessions (the issue: Sessions stays fast at 100,000 sessions), sent while
//      serve runs through its real hook endpoint (POST /v1/hooks, batches of hook-handler
//      envelopes over a few keep-alive connections): each SessionStart, UserPromptSubmit,
//      PreToolUse, PostToolUse and SessionEnd, in one of 50 projects, dated across the
//      imported corpus's time span so they interleave with its sessions; then wait until the
//      queue is drained and the fused index has caught up;
//   5. Sessions again on that store: cold and warm loads, then four interactions, each timed
//      in the page from the action to the moment the table holds the new rows (data-ready
//      back to "1", the rows checked against the API): next page, sort by cost, a project
//      filter set through the URL, a search typed into the box (its 250 ms debounce is part
//      of what the user waits for: printed beside, and subtracted from, the figure).
// Prints "overview_ready_ms X (target 1000, ratio Y)" (the warm median; cold and max
// beside it), the same for sessions, sessions_100k_ready and sessions_<action>_ms for each
// interaction; fails when a warm median exceeds 1000 ms, or on any console error, page
// error or failed request.
//
// Usage: node load_1m.mjs --bin build/agent-trace --web-dir build/web
//          [--bench bench/api_latency.sh] [--reuse DIR] [--keep]
//   --reuse DIR  measure a store kept by an earlier --keep run (DIR holds data/agent-trace.db;
//                with EXTRA_SESSIONS, a copy of it: the kept store stays as imported)
//   --keep       keep the work directory (store included) and print its path
// Env: CHROMIUM (/usr/bin/chromium), EVENTS (1000000), CHUNK_MB, GEN_JOBS (passed on to
//      bench/api_latency.sh), EXTRA_SESSIONS (100000; 0 skips steps 4-5), TMPDIR.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import {
  LAUNCH_ARGS,
  Server,
  chromiumPath,
  check,
  phase,
  sleep,
  storeCounts,
  summary,
  watchPage,
} from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({
  options: {
    bin: { type: "string" },
    "web-dir": { type: "string" },
    bench: { type: "string", default: path.resolve(here, "../../../bench/api_latency.sh") },
    reuse: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
for (const required of ["bin", "web-dir"]) {
  if (!opts[required]) {
    console.error(`load_1m: --${required} is required`);
    process.exit(2);
  }
}
const BIN = path.resolve(opts.bin);
const WEB_DIR = path.resolve(opts["web-dir"]);
const EVENTS = Number(process.env.EVENTS ?? 1000000);
const EXTRA_SESSIONS = Number(process.env.EXTRA_SESSIONS ?? 100000);
const TARGET_MS = 1000;
const WARM_LOADS = 3;
const SEARCH_DEBOUNCE_MS = 250; // web/src/pages/Sessions.tsx

// A reused store is copied before hook sessions are added to it, so it can be reused again.
const work =
  opts.reuse && EXTRA_SESSIONS <= 0 ? null : fs.mkdtempSync(path.join(os.tmpdir(), "agent-trace-dashboard-1m-"));
let server = null;
let browser = null;
let child = null;
let storeDir = null;

function cleanup() {
  if (!work) return;
  if (opts.keep) console.log(`kept: ${work}${storeDir ? ` (reuse the store with --reuse ${storeDir})` : ""}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (child && child.exitCode === null) child.kill("SIGTERM");
    server?.stopNow();
    cleanup();
    process.exit(130);
  });
}

// bench/api_latency.sh --keep with DATA_ONLY=1 builds the store in a directory under TMPDIR
// (here: our work directory) and prints "kept: DIR".
async function buildStore() {
  const env = {
    ...process.env,
    TMPDIR: work,
    AGENT_TRACE: BIN,
    DATA_ONLY: "1",
    EVENTS: String(EVENTS),
    SESSION_EVENTS: "0",
  };
  child = spawn("bash", [opts.bench, "--keep"], { env, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk) => {
    out += chunk;
    process.stdout.write(chunk);
  });
  const code = await new Promise((resolve) => child.once("exit", (c, s) => resolve(c ?? s)));
  child = null;
  if (code !== 0) throw new Error(`${opts.bench} exited ${code}`);
  const kept = /^kept: (\S+)/m.exec(out);
  if (!kept) throw new Error(`${opts.bench} did not say where it kept the store`);
  return kept[1];
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, max: sorted[sorted.length - 1] };
}

// Records, from the page itself, when a section first carries data-ready="1", and every
// later change of its data-ready (window.__readyLog: {t, v}) for the interactions.
function markReady() {
  window.__readyLog = [];
  let shown = null;
  const mark = () => {
    const section = document.querySelector("section[data-page]");
    const value = section ? section.getAttribute("data-ready") : null;
    if (value !== shown) {
      shown = value;
      window.__readyLog.push({ t: performance.now(), v: value });
    }
    if (window.__readyAt !== undefined) return;
    const el = document.querySelector('section[data-ready="1"]');
    if (el) {
      window.__readyAt = performance.now();
      window.__readyPage = el.getAttribute("data-page");
    }
  };
  new MutationObserver(mark).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["data-ready"],
  });
}

async function loadOnce(page, url, name) {
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__readyAt !== undefined, null, { timeout: 60000, polling: "raf" });
  const { at, which, requests } = await page.evaluate(() => ({
    at: window.__readyAt,
    which: window.__readyPage,
    // The API requests that had finished by then: where the time went.
    requests: performance
      .getEntriesByType("resource")
      .filter((e) => e.name.includes("/api/") && e.responseEnd > 0 && e.responseEnd <= window.__readyAt)
      .map((e) => ({ path: new URL(e.name).pathname + new URL(e.name).search, start: e.startTime, end: e.responseEnd })),
  }));
  if (which !== name) throw new Error(`${url}: the page that became ready is "${which}", not "${name}"`);
  return { at, requests };
}

function describe(load) {
  return load.requests
    .map((r) => `      ${r.start.toFixed(0).padStart(5)}-${r.end.toFixed(0).padStart(5)} ms  ${r.path}`)
    .join("\n");
}

function newContext() {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: "UTC", colorScheme: "dark" });
}

function figure(label, values, cold, what) {
  const { median, max } = stats(values);
  console.log(`${label} ${median.toFixed(0)} (target ${TARGET_MS}, ratio ${(median / TARGET_MS).toFixed(3)}; ` +
    `warm median of ${values.length}, max ${max.toFixed(0)}; cold ${cold.toFixed(0)}${what ? `; ${what}` : ""})`);
  return median;
}

// Cold and warm loads of `url` until the `name` page is ready; `label` names the figure.
// With `keep`, the page stays open (on `url`) and is returned for more measurements.
async function measure(name, url, label = name, keep = false) {
  // Cold: a new context (empty HTTP cache) and the server's first request for this page.
  const context = await newContext();
  await context.addInitScript(markReady);
  const page = await context.newPage();
  const watch = watchPage(page);
  watch.label = label;
  const coldLoad = await loadOnce(page, url, name);
  const cold = coldLoad.at;
  const warmLoads = [];
  for (let i = 0; i < WARM_LOADS; i += 1) warmLoads.push(await loadOnce(page, url, name));
  const warm = warmLoads.map((l) => l.at);
  const slowest = warmLoads.reduce((a, b) => (b.at > a.at ? b : a));
  console.log(`   ${label} cold load: data-ready at ${cold.toFixed(0)} ms; API requests done by then:\n${describe(coldLoad)}`);
  console.log(`   ${label} slowest warm load: data-ready at ${slowest.at.toFixed(0)} ms; API requests:\n${describe(slowest)}`);
  const median = figure(`${label}_ready_ms`, warm, cold);
  check(`${label}: data-ready within ${TARGET_MS} ms (warm median)`, median <= TARGET_MS, `${median.toFixed(0)} ms`);
  if (keep) return { context, page, watch };
  const problems = watch.take();
  check(`${label}: no console error, page error, failed request or HTTP error`, problems.length === 0, problems.slice(0, 10).join("\n"));
  await context.close();
  return null;
}

// ------------------------------------------------------------------ 100,000 hook sessions

const HOOK_PROJECTS = 50;
const HOOK_SESSION_EVENTS = 5;
const HOOK_BATCH_SESSIONS = 200; // 1,000 events, about 300 KB a request
const HOOK_CONNECTIONS = 4;

const hookSessionId = (i) => `10ad5e55-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
const hookProject = (i) => `hookproj-${String(i % HOOK_PROJECTS).padStart(2, "0")}`;

// One session's hook events as hook-handler posts them (payload + agent_trace envelope: a
// fixed event id, so a resent batch is stored once, and the capture time as the event time).
// Without transcript_path: serve would look for the transcript of every SessionEnd; the
// project comes from the cwd instead.
function hookSession(i, startUs) {
  const sid = hookSessionId(i);
  const base = `"session_id":"${sid}","cwd":"/home/dev/${hookProject(i)}","permission_mode":"default"`;
  const idBase = `10ad${i.toString(16).padStart(24, "0")}`;
  const envelope = (k, offsetUs) =>
    `"agent_trace":{"event_id":"${idBase}${k.toString(16).padStart(4, "0")}","captured_at_us":${startUs + offsetUs},"tier":1}`;
  const tool = `"tool_name":"Bash","tool_input":{"command":"make test"},"tool_use_id":"toolu_load_${i}"`;
  return [
    `{${base},"hook_event_name":"SessionStart","source":"startup","model":"claude-sonnet-4-5",${envelope(1, 0)}}`,
    `{${base},"hook_event_name":"UserPromptSubmit","prompt":"run the tests","prompt_id":"prompt-load-${i}",${envelope(2, 2_000_000)}}`,
    `{${base},"hook_event_name":"PreToolUse",${tool},${envelope(3, 3_000_000)}}`,
    `{${base},"hook_event_name":"PostToolUse",${tool},"tool_response":{"stdout":"ok"},"duration_ms":1500,${envelope(4, 4_500_000)}}`,
    `{${base},"hook_event_name":"SessionEnd","reason":"prompt_input_exit",${envelope(5, 30_000_000)}}`,
  ].join(",");
}

function postBatch(agent, port, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { agent, host: "127.0.0.1", port, method: "POST", path: "/v1/hooks",
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode, text, retryAfter: response.headers["retry-after"] }));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

// Sends `count` sessions starting between firstUs and lastUs (a golden-ratio sequence: spread
// evenly, in no particular order) over HOOK_CONNECTIONS keep-alive connections.
async function sendHookSessions(count, firstUs, lastUs) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: HOOK_CONNECTIONS });
  const span = Math.max(lastUs - firstUs - 60_000_000, 1);
  const batches = Math.ceil(count / HOOK_BATCH_SESSIONS);
  let nextBatch = 0;
  let stored = 0;
  let retries = 0;
  const worker = async () => {
    for (;;) {
      const b = nextBatch;
      nextBatch += 1;
      if (b >= batches) return;
      const parts = [];
      for (let i = b * HOOK_BATCH_SESSIONS; i < Math.min(count, (b + 1) * HOOK_BATCH_SESSIONS); i += 1) {
        parts.push(hookSession(i, firstUs + Math.floor(((i * 0.6180339887498949) % 1) * span)));
      }
      const body = `[${parts.join(",")}]`;
      for (;;) {
        const answer = await postBatch(agent, server.ports.hooks, body);
        if (answer.status === 503 || answer.status === 429) {
          // The queue is full for now: wait as told, then send the same batch again.
          retries += 1;
          await sleep(Math.min(Number(answer.retryAfter) || 0.2, 2) * 1000);
          continue;
        }
        if (answer.status !== 200) throw new Error(`POST /v1/hooks: HTTP ${answer.status} ${answer.text.slice(0, 500)}`);
        const result = JSON.parse(answer.text);
        if ((result.rejected ?? []).length > 0) {
          throw new Error(`POST /v1/hooks refused events: ${JSON.stringify(result.rejected.slice(0, 3))}`);
        }
        stored += parts.length;
        break;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: HOOK_CONNECTIONS }, worker));
  } finally {
    agent.destroy();
  }
  return { sessions: stored, events: stored * HOOK_SESSION_EVENTS, retries };
}

// ------------------------------------------------------------------ interactions on /sessions

async function rowIds(page) {
  return page.$$eval('[data-testid="session-row"]', (rows) => rows.map((r) => r.getAttribute("data-session-id")));
}

// Moves the page to `search` (in the app: no reload) and waits for its rows.
async function goTo(page, search) {
  await page.evaluate((to) => {
    if (window.location.search === to && window.location.pathname === "/sessions") return;
    window.history.pushState(null, "", `/sessions${to}`);
    window.dispatchEvent(new PopStateEvent("popstate"));
  }, search);
  await page.waitForFunction(
    (to) => window.location.search === to && document.querySelector('section[data-page="sessions"][data-ready="1"]') !== null,
    search,
    { timeout: 60000, polling: "raf" },
  );
}

// Runs `act` in the page (it starts the change: a click, a URL, typed text) and returns the
// ms from then to the first data-ready="1" after the "0" the change caused, i.e. the moment
// the table holds the rows of the new URL, and the API requests made meanwhile.
async function timeAction(page, action, arg) {
  // One function, no eval: the dashboard's Content-Security-Policy forbids it.
  await page.evaluate(
    ([kind, value]) => {
      window.__readyLog = [];
      window.__actionAt = performance.now();
      if (kind === "click") {
        document.querySelector(value).click();
      } else if (kind === "url") {
        window.history.pushState(null, "", value);
        window.dispatchEvent(new PopStateEvent("popstate"));
      } else {
        // What typing does to the box, the whole term at once; then the debounce.
        const box = document.querySelector('[data-testid="sessions-search"]');
        box.value = value;
        box.dispatchEvent(new Event("input", { bubbles: true }));
      }
    },
    [action, arg],
  );
  await page.waitForFunction(
    () => {
      const log = window.__readyLog;
      const zero = log.findIndex((e) => e.v === "0");
      return zero >= 0 && log.slice(zero + 1).some((e) => e.v === "1");
    },
    null,
    { timeout: 60000, polling: "raf" },
  );
  return page.evaluate(() => {
    const log = window.__readyLog;
    const zero = log.findIndex((e) => e.v === "0");
    const ready = log.slice(zero + 1).find((e) => e.v === "1");
    const requests = performance
      .getEntriesByType("resource")
      .filter((e) => e.name.includes("/api/v1/sessions") && e.startTime >= window.__actionAt && e.responseEnd <= ready.t)
      .map((e) => ({ path: new URL(e.name).pathname + new URL(e.name).search, start: e.startTime - window.__actionAt, end: e.responseEnd - window.__actionAt }));
    return { ms: ready.t - window.__actionAt, requests };
  });
}

async function interaction(page, watch, spec) {
  watch.label = spec.label;
  const times = [];
  let slowest = null;
  for (let i = 0; i <= WARM_LOADS; i += 1) {
    await goTo(page, spec.from);
    // The search box keeps its debounced text for 250 ms after the reset: let it settle, or
    // typing the same term again would not count as a change.
    if (spec.action === "type") await sleep(SEARCH_DEBOUNCE_MS + 150);
    const run = await timeAction(page, spec.action, spec.arg);
    const ids = await rowIds(page);
    const url = new URL(page.url());
    if (i === 0) {
      check(`${spec.label}: the URL says ${spec.expectUrl}`, spec.urlOk(url), url.pathname + url.search);
      const expected = await spec.expected();
      check(`${spec.label}: the table shows the API's rows (${expected.length})`,
        expected.length > 0 && JSON.stringify(ids) === JSON.stringify(expected),
        `page ${ids.slice(0, 3).join(",")}… (${ids.length}), API ${expected.slice(0, 3).join(",")}… (${expected.length})`);
    }
    const ms = run.ms - (spec.subtract ?? 0);
    times.push(ms);
    if (i > 0 && (slowest === null || ms > slowest.ms)) slowest = { ...run, ms };
  }
  const [cold, ...warm] = times;
  if (slowest.requests.length > 0) console.log(`   ${spec.label} slowest warm: API requests:\n${describe({ requests: slowest.requests })}`);
  const median = figure(`${spec.label}_ms`, warm, cold, spec.what);
  if (spec.subtract) {
    console.log(`   ${spec.label} from the keystroke (debounce included): warm median ${(median + spec.subtract).toFixed(0)} ms, ` +
      `cold ${(cold + spec.subtract).toFixed(0)} ms`);
  }
  check(`${spec.label}: within ${TARGET_MS} ms (warm median)`, median <= TARGET_MS, `${median.toFixed(0)} ms`);
}

async function sessionsAt100k() {
  const all = await server.api("/api/v1/sessions?include_total=true&limit=1");
  const base = server.dashboardUrl;
  const opened = await measure("sessions", `${base}/sessions`, "sessions_100k", true);
  const { context, page, watch } = opened;
  try {
    const shown = await page.getAttribute('[data-testid="sessions-total"]', "data-value");
    check(`sessions: sessions-total (${shown}) = the API's total (${all.total}), at least ${EXTRA_SESSIONS.toLocaleString("en-US")}`,
      Number(shown) === all.total && all.total >= EXTRA_SESSIONS, `page ${shown}, API ${all.total}`);

    const ids = async (query) => (await server.api(`/api/v1/sessions?${query}`)).sessions.map((s) => s.session_id);
    const project = `-home-dev-${hookProject(7)}`;
    const term = hookProject(23);
    await interaction(page, watch, {
      label: "sessions_next", from: "", action: "click", arg: '[data-testid="sessions-next"]',
      expectUrl: "a cursor", urlOk: (u) => u.searchParams.has("cursor"),
      expected: async () => (await ids("limit=100")).slice(50),
    });
    await interaction(page, watch, {
      label: "sessions_sort_cost", from: "", action: "click", arg: 'th[data-sort="cost"]',
      expectUrl: "sort=cost", urlOk: (u) => u.searchParams.get("sort") === "cost",
      expected: () => ids("sort=cost&limit=50"),
    });
    await interaction(page, watch, {
      label: "sessions_project", from: "", action: "url", arg: `/sessions?project=${encodeURIComponent(project)}`,
      expectUrl: `project=${project}`, urlOk: (u) => u.searchParams.get("project") === project,
      expected: () => ids(`project=${encodeURIComponent(project)}&limit=50`),
      what: `project ${project}`,
    });
    await interaction(page, watch, {
      label: "sessions_search", from: "", action: "type", arg: term,
      expectUrl: `q=${term}`, urlOk: (u) => u.searchParams.get("q") === term,
      expected: () => ids(`q=${encodeURIComponent(term)}&limit=50`),
      subtract: SEARCH_DEBOUNCE_MS,
      what: `"${term}", from the end of the ${SEARCH_DEBOUNCE_MS} ms debounce, which is subtracted`,
    });
    const problems = watch.take();
    check("sessions_100k: no console error, page error, failed request or HTTP error", problems.length === 0, problems.slice(0, 10).join("\n"));
  } finally {
    await context.close();
  }
}

async function main() {
  if (!fs.existsSync(path.join(WEB_DIR, "index.html"))) throw new Error(`${WEB_DIR} has no index.html: build the dashboard`);
  if (!Server.supportsDashboard(BIN)) throw new Error(`${BIN} serve has no --dashboard-listen/--web-dir`);
  console.log(`machine: ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);

  let t = performance.now();
  storeDir = opts.reuse ? path.resolve(opts.reuse) : await buildStore();
  let dataDir = path.join(storeDir, "data");
  if (!fs.existsSync(path.join(dataDir, "agent-trace.db"))) throw new Error(`${storeDir} holds no data/agent-trace.db`);
  if (opts.reuse && work) {
    fs.cpSync(dataDir, path.join(work, "data"), { recursive: true });
    dataDir = path.join(work, "data");
  }
  const { events } = storeCounts(dataDir);
  phase(opts.reuse ? `store (reused${work ? ", copied" : ""})` : "store: generate + import", t);
  console.log(`store: ${events.toLocaleString("en-US")} events`);
  check(`the store holds at least ${EVENTS.toLocaleString("en-US")} events, all through agent-trace import`, events >= EVENTS, String(events));

  const runDir = fs.mkdtempSync(path.join(work ?? os.tmpdir(), "serve-"));
  const home = path.join(runDir, "home");
  fs.mkdirSync(home);
  fs.mkdirSync(path.join(runDir, "config"));
  server = new Server({ bin: BIN, dataDir, home, workDir: runDir, webDir: WEB_DIR });
  t = performance.now();
  await server.start(120000);
  phase("serve listening", t);
  const indexS = await server.waitIndexed(900000, "index build");
  phase(`fused index caught up (${indexS.toFixed(1)} s after listening)`, t);
  const sessions = await server.api("/api/v1/sessions?include_total=true&limit=1");
  console.log(`sessions: ${sessions.total}`);

  browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: LAUNCH_ARGS });
  t = performance.now();
  await measure("overview", `${server.dashboardUrl}/?range=all`);
  await measure("sessions", `${server.dashboardUrl}/sessions`);
  phase("browser measurements", t);

  if (EXTRA_SESSIONS > 0) {
    // The corpus's span: the first session's start to the last one's last activity.
    const first = (await server.api("/api/v1/sessions?sort=first&order=asc&limit=1")).sessions[0];
    const last = (await server.api("/api/v1/sessions?limit=1")).sessions[0];
    const firstUs = Date.parse(first.first_ts) * 1000;
    const lastUs = Date.parse(last.last_ts) * 1000;
    t = performance.now();
    const sent = await sendHookSessions(EXTRA_SESSIONS, firstUs, lastUs);
    const sendS = phase(`hooks: ${sent.sessions.toLocaleString("en-US")} sessions (${sent.events.toLocaleString("en-US")} events) ` +
      `POSTed in batches of ${HOOK_BATCH_SESSIONS * HOOK_SESSION_EVENTS} over ${HOOK_CONNECTIONS} connections` +
      `${sent.retries ? `, ${sent.retries} retried after 503` : ""}`, t);
    console.log(`   ${Math.round(sent.events / sendS).toLocaleString("en-US")} events/s acknowledged, ` +
      `dated ${first.first_ts} .. ${last.last_ts}`);
    const caughtUpS = await server.waitIndexed(600000, "hooks index");
    phase(`queue drained and fused index caught up (${caughtUpS.toFixed(1)} s after the last POST)`, t);
    const after = storeCounts(dataDir);
    const total = (await server.api("/api/v1/sessions?include_total=true&limit=1")).total;
    console.log(`store: ${after.events.toLocaleString("en-US")} events, ${total.toLocaleString("en-US")} sessions`);
    check(`the store holds the ${EXTRA_SESSIONS.toLocaleString("en-US")} hook sessions besides the imported ones`,
      total >= sessions.total + EXTRA_SESSIONS && after.events >= events + sent.events,
      `${total} sessions (${sessions.total} imported), ${after.events} events`);
    t = performance.now();
    await sessionsAt100k();
    phase("browser measurements at 100,000 sessions", t);
  }
  if (!work) fs.rmSync(runDir, { recursive: true, force: true });
}

let code = 1;
try {
  await main();
  code = summary("dashboard_load_1m");
} catch (error) {
  check("dashboard_load_1m ran to the end", false, String(error?.stack ?? error));
  summary("dashboard_load_1m");
  code = 1;
} finally {
  await browser?.close().catch(() => {});
  if (server) {
    await server.stop();
    if (code !== 0) console.log(`serve log (tail):\n${server.log()}`);
  }
  cleanup();
}
process.exit(code);

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
// Prints "overview_ready_ms X (target 1000, ratio Y)" (the warm median; cold and max
// beside it) and the same for sessions; fails when a warm median exceeds 1000 ms, or on any
// console error, page error or failed request.
//
// Usage: node load_1m.mjs --bin build/agent-trace --web-dir build/web
//          [--bench bench/api_latency.sh] [--reuse DIR] [--keep]
//   --reuse DIR  measure a store kept by an earlier --keep run (DIR holds data/agent-trace.db)
//   --keep       keep the work directory (store included) and print its path
// Env: CHROMIUM (/usr/bin/chromium), EVENTS (1000000), CHUNK_MB, GEN_JOBS (passed on to
//      bench/api_latency.sh), TMPDIR.
import { spawn } from "node:child_process";
import fs from "node:fs";
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
const TARGET_MS = 1000;
const WARM_LOADS = 3;

const work = opts.reuse ? null : fs.mkdtempSync(path.join(os.tmpdir(), "agent-trace-dashboard-1m-"));
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

// Records, from the page itself, when a section first carries data-ready="1".
function markReady() {
  const mark = () => {
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

async function measure(name, url) {
  // Cold: a new context (empty HTTP cache) and the server's first request for this page.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: "UTC", colorScheme: "dark" });
  await context.addInitScript(markReady);
  const page = await context.newPage();
  const watch = watchPage(page);
  watch.label = name;
  const coldLoad = await loadOnce(page, url, name);
  const cold = coldLoad.at;
  const warmLoads = [];
  for (let i = 0; i < WARM_LOADS; i += 1) warmLoads.push(await loadOnce(page, url, name));
  const warm = warmLoads.map((l) => l.at);
  const { median, max } = stats(warm);
  const slowest = warmLoads.reduce((a, b) => (b.at > a.at ? b : a));
  console.log(`   ${name} cold load: data-ready at ${cold.toFixed(0)} ms; API requests done by then:\n${describe(coldLoad)}`);
  console.log(`   ${name} slowest warm load: data-ready at ${slowest.at.toFixed(0)} ms; API requests:\n${describe(slowest)}`);
  console.log(`${name}_ready_ms ${median.toFixed(0)} (target ${TARGET_MS}, ratio ${(median / TARGET_MS).toFixed(3)}; ` +
    `warm median of ${WARM_LOADS}, max ${max.toFixed(0)}; cold ${cold.toFixed(0)})`);
  check(`${name}: data-ready within ${TARGET_MS} ms (warm median)`, median <= TARGET_MS, `${median.toFixed(0)} ms`);
  const problems = watch.take();
  check(`${name}: no console error, page error, failed request or HTTP error`, problems.length === 0, problems.slice(0, 10).join("\n"));
  await context.close();
}

async function main() {
  if (!fs.existsSync(path.join(WEB_DIR, "index.html"))) throw new Error(`${WEB_DIR} has no index.html: build the dashboard`);
  if (!Server.supportsDashboard(BIN)) throw new Error(`${BIN} serve has no --dashboard-listen/--web-dir`);
  console.log(`machine: ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);

  let t = performance.now();
  storeDir = opts.reuse ? path.resolve(opts.reuse) : await buildStore();
  const dataDir = path.join(storeDir, "data");
  if (!fs.existsSync(path.join(dataDir, "agent-trace.db"))) throw new Error(`${storeDir} holds no data/agent-trace.db`);
  const { events } = storeCounts(dataDir);
  phase(opts.reuse ? "store (reused)" : "store: generate + import", t);
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

#!/usr/bin/env node
// The dashboard in a real browser against a real `agent-trace serve`:
//   - a store from a generated corpus (60 sessions) and the harness captures' transcripts,
//     imported with `agent-trace import`; the captures' hook events and OTLP exports then
//     POSTed to serve's /v1/hooks and /v1/logs|metrics|traces, so their sessions are fused
//     from all three layers;
//   - every page loads and becomes data-ready with no console error, page error, failed
//     request or HTTP error; a full-page screenshot of each goes to --artifacts;
//   - the numbers each page shows (data-value) equal the API's exactly;
//   - sessions search, paging and links; replay stepping; the live view's latency from a
//     hook POST to its row (printed, at most 1000 ms), its session filter and the stored
//     events a freshly opened live page starts with; keyboard
//     shortcuts; the time zone selector; the size of the JavaScript (at most 300 KB gzipped).
//
// Usage: node dashboard.mjs --bin build/agent-trace --web-dir build/web
//          --captures tests/fixtures/captures --generator tools/corpus/gen_transcripts.py
//          --artifacts build/test-artifacts/dashboard [--keep]
// Env: CHROMIUM (default /usr/bin/chromium).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import zlib from "node:zlib";
import { chromium } from "playwright-core";
import {
  LAUNCH_ARGS,
  Server,
  chromiumPath,
  check,
  jsGzipKb,
  phase,
  post,
  run,
  sameNumber,
  section,
  sleep,
  summary,
  waitReady,
  watchPage,
} from "./lib.mjs";

const { values: opts } = parseArgs({
  options: {
    bin: { type: "string" },
    "web-dir": { type: "string" },
    captures: { type: "string" },
    generator: { type: "string" },
    artifacts: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
for (const required of ["bin", "web-dir", "captures", "generator", "artifacts"]) {
  if (!opts[required]) {
    console.error(`dashboard: --${required} is required`);
    process.exit(2);
  }
}
const BIN = path.resolve(opts.bin);
const WEB_DIR = path.resolve(opts["web-dir"]);
const CAPTURES = path.resolve(opts.captures);
const GENERATOR = path.resolve(opts.generator);
const ARTIFACTS = path.resolve(opts.artifacts);

// The browser's own zone: the dashboard starts in it. Not UTC, so a page that forgot tz=
// on an analytics call (the API's default is UTC) cuts days differently and is caught.
const BROWSER_ZONE = "America/New_York";
// The zone the selector switches to: +05:30, so every day boundary moves.
const OTHER_ZONE = "Asia/Kolkata";
const SUBAGENT_CAPTURE = "subagent";
const LIVE_LIMIT_MS = 1000;
const JS_LIMIT_KB = 300;

const work = fs.mkdtempSync(path.join(os.tmpdir(), "agent-trace-dashboard-"));
const dataDir = path.join(work, "data");
const home = path.join(work, "home");
fs.mkdirSync(home);
fs.mkdirSync(path.join(work, "config"));
fs.mkdirSync(ARTIFACTS, { recursive: true });
for (const f of fs.readdirSync(ARTIFACTS)) {
  if (f.endsWith(".png")) fs.rmSync(path.join(ARTIFACTS, f));
}

let server = null;
let browser = null;

function cleanup() {
  if (opts.keep) console.log(`kept: ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server?.stopNow();
    cleanup();
    process.exit(130);
  });
}

// ------------------------------------------------------------------ data

function captureNames() {
  return fs
    .readdirSync(CAPTURES)
    .filter((n) => fs.existsSync(path.join(CAPTURES, n, "transcripts")))
    .sort();
}

// The main session ids of a capture: its top-level transcript files.
function captureSessionIds(name) {
  const root = path.join(CAPTURES, name, "transcripts");
  const ids = [];
  for (const project of fs.readdirSync(root)) {
    for (const f of fs.readdirSync(path.join(root, project))) {
      if (f.endsWith(".jsonl")) ids.push(f.slice(0, -".jsonl".length));
    }
  }
  return ids;
}

// A capture's hook events as hook-handler would have sent them (the envelope keeps the time
// each was captured, so the fused session's timeline is the capture's own), then its OTLP
// exports as Claude Code sent them (JSON as is; http/protobuf bodies from their base64).
async function feedCapture(name) {
  const dir = path.join(CAPTURES, name);
  let hooks = 0;
  let otlp = 0;
  const hookLines = fs.readFileSync(path.join(dir, "hooks.jsonl"), "utf8").split("\n").filter((l) => l.trim());
  for (const line of hookLines) {
    const record = JSON.parse(line);
    const body = {
      ...record.payload,
      agent_trace: { captured_at_us: Math.round(record.received_at * 1e6), event: record.event },
    };
    await post(`${server.hooksUrl}/v1/hooks`, JSON.stringify(body));
    hooks += 1;
  }
  const otlpDir = path.join(dir, "otlp");
  if (fs.existsSync(otlpDir)) {
    for (const f of fs.readdirSync(otlpDir).sort()) {
      const signal = /^otlp-(logs|metrics|traces)\./.exec(f)?.[1];
      if (!signal || !f.endsWith(".jsonl")) continue;
      for (const line of fs.readFileSync(path.join(otlpDir, f), "utf8").split("\n")) {
        if (!line.trim()) continue;
        if (f.endsWith(".raw.jsonl")) {
          const raw = JSON.parse(line);
          const body = raw.encoding === "base64" ? Buffer.from(raw.body, "base64") : raw.body;
          await post(`${server.hooksUrl}/v1/${signal}`, body, raw.content_type);
        } else {
          await post(`${server.hooksUrl}/v1/${signal}`, line, "application/json");
        }
        otlp += 1;
      }
    }
  }
  return { hooks, otlp };
}

// ------------------------------------------------------------------ helpers on pages

const enc = encodeURIComponent;

async function attr(page, selector, name = "data-value") {
  const handle = await page.waitForSelector(selector, { timeout: 10000 });
  return handle.getAttribute(name);
}

async function currentZone(page) {
  return page.$eval('[data-testid="tz-select"]', (e) => e.value);
}

async function rowsOf(page, selector, attrs) {
  return page.$$eval(
    selector,
    (rows, names) => rows.map((r) => Object.fromEntries(names.map((n) => [n, r.getAttribute(n)]))),
    attrs,
  );
}

async function shot(page, name) {
  // From the top: a full-page shot of a scrolled page would draw the sticky top bar halfway down.
  await page.evaluate(() => window.scrollTo(0, 0));
  await sleep(100);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

function noProblems(watch, what) {
  const problems = watch.take();
  check(`${what}: no console error, page error, failed request or HTTP error`, problems.length === 0,
    problems.slice(0, 10).join("\n"));
}

// Group rows (overview-by-project / -by-user) against the API's groups, largest cost first:
// every row the page shows is the API's group of that key with the same cost, in the API's
// order, and the page shows all groups or at least the five largest.
function compareGroups(what, rows, groups) {
  check(`${what}: rows shown`, rows.length > 0 || groups.length === 0, `${rows.length} rows, API ${groups.length} groups`);
  const byKey = new Map(groups.map((g) => [g.key, g]));
  const bad = rows.filter((r) => !byKey.has(r["data-key"]) || !sameNumber(r["data-value"], byKey.get(r["data-key"]).cost_usd));
  check(`${what}: every row's cost equals the API's group`, bad.length === 0,
    bad.slice(0, 5).map((r) => `${r["data-key"]}=${r["data-value"]} (API ${byKey.get(r["data-key"])?.cost_usd})`).join(", "));
  const top = groups.slice(0, rows.length).map((g) => g.key);
  const inOrder = JSON.stringify(rows.map((r) => r["data-key"])) === JSON.stringify(top);
  check(`${what}: rows are the API's largest groups in its order`, inOrder,
    inOrder ? "" : `page ${rows.map((r) => r["data-key"]).join(",")} vs API ${top.join(",")}`);
  check(`${what}: all groups or at least the five largest`, rows.length === groups.length || rows.length >= 5,
    `${rows.length} of ${groups.length}`);
}

// The contract: every analytics call (and /blocks) carries tz=<the page's zone>, so days are
// cut in the user's zone and not in the API's default (UTC).
function checkZoneParams(watch, zone, what) {
  const calls = watch.apiRequests.splice(0).filter((u) => /\/api\/v1\/(analytics\/|blocks)/.test(new URL(u).pathname));
  const bad = calls.filter((u) => new URL(u).searchParams.get("tz") !== zone);
  check(`${what}: every analytics request carries tz=${zone}`, calls.length > 0 && bad.length === 0,
    `${calls.length} requests${bad.length ? `; without it: ${bad.slice(0, 3).join(" ")}` : ""}`);
}

function counts(items, key) {
  const out = {};
  for (const item of items) out[item[key]] = (out[item[key]] ?? 0) + 1;
  return out;
}

function sortedJson(obj) {
  return JSON.stringify(Object.fromEntries(Object.entries(obj).sort(([a], [b]) => a.localeCompare(b))));
}

// ------------------------------------------------------------------ the pages

async function overviewChecks(page, watch, base) {
  watch.label = "overview";
  watch.apiRequests.length = 0;
  await page.goto(`${base}/?range=all`);
  await waitReady(page, "overview");
  const zone = await currentZone(page);
  check("overview: starts in the browser's zone", zone === BROWSER_ZONE, zone);
  await checkOverviewNumbers(page, zone, "overview");
  checkZoneParams(watch, zone, "overview");

  const status = await server.api("/api/v1/status");
  const active = await attr(page, '[data-testid="overview-active-sessions"]');
  check("overview: active sessions = /api/v1/status active_sessions.count",
    sameNumber(active, status.active_sessions?.count), `page ${active}, API ${status.active_sessions?.count}`);
  const blocks = await server.api(`/api/v1/blocks?tz=${enc(zone)}`);
  const block = await attr(page, '[data-testid="overview-block"]');
  check("overview: 5-hour block = /api/v1/blocks active.cost_usd",
    blocks.active ? sameNumber(block, blocks.active.cost_usd) : block === "", `page "${block}", API ${blocks.active?.cost_usd ?? "no active block"}`);
  for (const chart of ["overview-chart-cost", "overview-chart-tokens"]) {
    const canvas = await page.$(`[data-testid="${chart}"] canvas`);
    check(`overview: ${chart} drew a chart`, canvas !== null);
  }

  // Dark first (the context prefers dark), then light through the toggle, then back.
  await sleep(300);
  const themeBefore = await page.evaluate(() => document.documentElement.dataset.theme);
  await shot(page, "overview");
  await page.click('[data-testid="theme-toggle"]');
  await page.waitForFunction((t) => document.documentElement.dataset.theme && document.documentElement.dataset.theme !== t, themeBefore);
  const themeAfter = await page.evaluate(() => document.documentElement.dataset.theme);
  check("overview: theme toggle switches dark -> light", themeBefore === "dark" && themeAfter === "light", `${themeBefore} -> ${themeAfter}`);
  await sleep(300);
  await shot(page, "overview-light");
  await page.click('[data-testid="theme-toggle"]');
  await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
  noProblems(watch, "overview");
}

async function checkOverviewNumbers(page, zone, what) {
  const usage = await server.api(`/api/v1/analytics/usage?by=day&tz=${enc(zone)}`);
  const t = usage.totals;
  const want = {
    "overview-total-cost": t.cost_usd,
    "overview-total-tokens": t.tokens.total,
    "overview-total-calls": t.calls,
    "overview-cache-hit": t.cache_hit_ratio,
  };
  for (const [id, expected] of Object.entries(want)) {
    const got = await attr(page, `[data-testid="${id}"]`);
    check(`${what}: ${id} = usage?by=day&tz=${zone} totals`, sameNumber(got, expected), `page ${got}, API ${expected}`);
  }
  const unpriced = await page.$('[data-testid="overview-unpriced"]');
  if (t.unpriced_calls > 0) {
    check(`${what}: overview-unpriced banner = totals.unpriced_calls`,
      unpriced !== null && sameNumber(await unpriced.getAttribute("data-value"), t.unpriced_calls), `API ${t.unpriced_calls}`);
  } else {
    check(`${what}: no unpriced banner when every call is priced`, unpriced === null);
  }
  for (const by of ["project", "user"]) {
    const groups = (await server.api(`/api/v1/analytics/usage?by=${by}&tz=${enc(zone)}`)).groups;
    const rows = await rowsOf(page, `[data-testid="overview-by-${by}"] [data-testid="group-row"]`, ["data-key", "data-value"]);
    compareGroups(`${what}: by ${by}`, rows, groups);
  }
  return usage;
}

// The zone selector: the page asks for days cut in the new zone and shows the API's figures
// for it; the days differ from the old zone's.
async function zoneChecks(page, watch, base) {
  watch.label = "zone";
  await page.goto(`${base}/?range=all`);
  await waitReady(page, "overview");
  const before = await currentZone(page);
  const oldDays = (await server.api(`/api/v1/analytics/usage?by=day&tz=${enc(before)}`)).groups;
  watch.apiRequests.length = 0;
  const asked = page.waitForResponse((r) => {
    const u = new URL(r.url());
    return u.pathname === "/api/v1/analytics/usage" && u.searchParams.get("tz") === OTHER_ZONE &&
      (u.searchParams.get("by") ?? "day") === "day";
  }, { timeout: 15000 });
  await page.selectOption('[data-testid="tz-select"]', OTHER_ZONE);
  const response = await asked;
  const pageDays = (await response.json()).groups;
  await page.waitForFunction(() => document.querySelector('section[data-page="overview"][data-ready="1"]'));
  check("zone: the selector shows the new zone", (await currentZone(page)) === OTHER_ZONE);
  const u = new URL(response.url());
  check("zone: the page's daily usage request has no since (range=all)", !u.searchParams.has("since"), u.search);
  const apiDays = (await server.api(`/api/v1/analytics/usage?by=day&tz=${enc(OTHER_ZONE)}`)).groups;
  const brief = (gs) => gs.map((g) => `${g.key}:${g.calls}:${g.cost_usd}`).join(" ");
  check(`zone: the page got the API's days for ${OTHER_ZONE}`, brief(pageDays) === brief(apiDays),
    `page ${pageDays.length} days, API ${apiDays.length}`);
  check(`zone: ${OTHER_ZONE} cuts the days differently from ${before}`, brief(apiDays) !== brief(oldDays));
  // Days the page lists itself (if it renders them as rows) must be the API's.
  const dayRows = await rowsOf(page, '[data-testid="overview-day"]', ["data-key", "data-value"]);
  if (dayRows.length > 0) {
    const byKey = new Map(apiDays.map((g) => [g.key, g.cost_usd]));
    check("zone: day rows equal the API's days", dayRows.every((r) => sameNumber(r["data-value"], byKey.get(r["data-key"]))));
  }
  await checkOverviewNumbers(page, OTHER_ZONE, `overview in ${OTHER_ZONE}`);
  checkZoneParams(watch, OTHER_ZONE, `overview in ${OTHER_ZONE}`);
  // The choice is kept: a reload stays in the new zone.
  await page.reload();
  await waitReady(page, "overview");
  check("zone: kept after a reload", (await currentZone(page)) === OTHER_ZONE);
  await page.selectOption('[data-testid="tz-select"]', BROWSER_ZONE);
  await waitReady(page, "overview");
  noProblems(watch, "zone");
}

async function sessionIds(page) {
  return (await rowsOf(page, '[data-testid="session-row"]', ["data-session-id"])).map((r) => r["data-session-id"]);
}

// Waits until the sessions rows satisfy `mode` against `ids`: "same-set", "same-list", or
// "first-differs" (a new page came).
async function waitRows(page, mode, ids, what, timeout = 15000) {
  try {
    await page.waitForFunction(
      ([m, want]) => {
        if (!document.querySelector('section[data-page="sessions"][data-ready="1"]')) return false;
        const got = [...document.querySelectorAll('[data-testid="session-row"]')].map((r) => r.getAttribute("data-session-id"));
        if (m === "same-set") return JSON.stringify([...got].sort()) === JSON.stringify([...want].sort());
        if (m === "same-list") return JSON.stringify(got) === JSON.stringify(want);
        return got.length > 0 && got[0] !== want[0];
      },
      [mode, ids],
      { timeout },
    );
    return true;
  } catch {
    check(`${what} (waited ${timeout / 1000} s)`, false, `rows now: ${(await sessionIds(page)).slice(0, 8).join(", ")}`);
    return false;
  }
}

async function sessionsChecks(page, watch, base) {
  watch.label = "sessions";
  await page.goto(`${base}/sessions`);
  await waitReady(page, "sessions");
  const all = await server.api("/api/v1/sessions?include_total=true&limit=1");
  const total = await attr(page, '[data-testid="sessions-total"]');
  check("sessions: sessions-total = API total", sameNumber(total, all.total), `page ${total}, API ${all.total}`);
  const first = await sessionIds(page);
  const apiFirst = (await server.api(`/api/v1/sessions?limit=${Math.max(1, first.length)}`)).sessions.map((s) => s.session_id);
  check("sessions: first page = the API's first page (last activity first)", JSON.stringify(first) === JSON.stringify(apiFirst),
    `${first.length} rows; page ${first.slice(0, 3).join(",")}… API ${apiFirst.slice(0, 3).join(",")}…`);
  await sleep(200);
  await shot(page, "sessions");

  // Search: a session from the far end of the list, by an id prefix.
  const oldest = (await server.api("/api/v1/sessions?sort=last&order=asc&limit=1")).sessions[0].session_id;
  const prefix = oldest.slice(0, 8);
  const matching = (await server.api(`/api/v1/sessions?q=${enc(prefix)}&limit=500`)).sessions.map((s) => s.session_id);
  check("sessions: the API finds the prefix's session", matching.includes(oldest), `${prefix}: ${matching.length}`);
  await page.fill('[data-testid="sessions-search"]', prefix);
  if (await waitRows(page, "same-set", matching,
    `sessions: search "${prefix}" narrows to the API's ${matching.length} match(es)`)) {
    check(`sessions: search "${prefix}" narrows to the API's ${matching.length} match(es)`, true);
    check("sessions: the search is in the URL", new URL(page.url()).searchParams.get("q") === prefix, page.url());
  }
  await page.fill('[data-testid="sessions-search"]', "");
  await waitRows(page, "same-list", first, "sessions: clearing the search restores the first page");

  // Paging: the next page holds other sessions; prev comes back.
  const next = await page.$('[data-testid="sessions-next"]');
  if (all.total > first.length) {
    check("sessions: a next-page control when there are more sessions", next !== null && (await next.isEnabled()));
    await page.click('[data-testid="sessions-next"]');
    if (await waitRows(page, "first-differs", first, "sessions: next page shows other rows")) {
      const second = await sessionIds(page);
      check("sessions: next page shows different rows", second.every((id) => !first.includes(id)),
        `${second.length} rows, ${second.filter((id) => first.includes(id)).length} repeated`);
      const apiSecond = await server.api(`/api/v1/sessions?limit=${first.length + second.length}`);
      check("sessions: next page = the API's next rows",
        JSON.stringify(second) === JSON.stringify(apiSecond.sessions.slice(first.length).map((s) => s.session_id)));
      const prev = await page.$('[data-testid="sessions-prev"]');
      if (check("sessions: a previous-page control on page 2", prev !== null)) {
        await page.click('[data-testid="sessions-prev"]');
        await waitRows(page, "same-list", first, "sessions: prev returns to the first page");
      }
    }
  } else {
    check("sessions: corpus larger than one page (the paging check needs it)", false, `${all.total} sessions, page of ${first.length}`);
  }

  // A row opens its replay.
  const target = (await sessionIds(page))[0];
  await page.click(`[data-testid="session-row"][data-session-id="${target}"] a[href^="/sessions/"]`);
  await page.waitForURL((u) => u.pathname === `/sessions/${target}` || u.pathname === `/sessions/${enc(target)}`, { timeout: 10000 });
  await waitReady(page, "replay");
  check("sessions: clicking a row opens its replay", true, target);
  noProblems(watch, "sessions");
}

async function expandAll(page) {
  // "Unfold all" when the page has it; then any toggle still folded, until none is left
  // (nested ones appear as their parents open).
  const unfold = await page.$('[data-testid="replay-expand-all"]');
  if (unfold) {
    await unfold.click();
    await sleep(100);
  }
  for (let round = 0; round < 20; round += 1) {
    const toggles = await page.$$(
      '[data-testid="subagent"] [aria-expanded="false"], [data-testid="subagent-toggle"][aria-expanded="false"]',
    );
    if (toggles.length === 0) return;
    for (const t of toggles) await t.click();
    await sleep(100);
  }
}

async function currentStep(page) {
  const el = await page.$('[data-testid="replay-current"]');
  if (!el) return null;
  return (await el.getAttribute("data-index")) ?? (await el.getAttribute("data-step")) ?? (await el.textContent());
}

async function replayChecks(page, watch, base, id, what, shots) {
  watch.label = what;
  await page.goto(`${base}/sessions/${enc(id)}`);
  await waitReady(page, "replay");
  const detail = await server.api(`/api/v1/sessions/${enc(id)}`);
  const timeline = await server.api(`/api/v1/sessions/${enc(id)}/timeline?view=flat`);
  const want = {
    "replay-total-cost": detail.totals.cost_usd,
    "replay-calls": detail.totals.calls,
    "replay-tool-calls": detail.session.counts.tool_calls,
    "replay-prompts": detail.session.counts.prompts,
  };
  for (const [tid, expected] of Object.entries(want)) {
    const got = await attr(page, `[data-testid="${tid}"]`);
    check(`${what}: ${tid} = the API's`, sameNumber(got, expected), `page ${got}, API ${expected}`);
  }
  await expandAll(page);
  const entries = await rowsOf(page, '[data-testid="timeline-entry"]', ["data-type", "data-index"]);
  const pageCounts = counts(entries, "data-type");
  const apiCounts = counts(timeline.entries, "type");
  check(`${what}: timeline rows per type = the flat timeline's`, sortedJson(pageCounts) === sortedJson(apiCounts),
    `page ${sortedJson(pageCounts)}, API ${sortedJson(apiCounts)}`);
  const subagents = await rowsOf(page, '[data-testid="subagent"]', ["data-agent-id", "data-cost"]);
  check(`${what}: one subagent node per subagent`, subagents.length === detail.subagents.length,
    `page ${subagents.length}, API ${detail.subagents.length}`);
  const costs = new Map(detail.subagents.map((s) => [s.agent_id, s.with_children.cost_usd]));
  const wrong = subagents.filter((s) => !costs.has(s["data-agent-id"]) || !sameNumber(s["data-cost"], costs.get(s["data-agent-id"])));
  check(`${what}: subagent data-cost = with_children.cost_usd`, wrong.length === 0,
    wrong.map((s) => `${s["data-agent-id"]}: ${s["data-cost"]} vs ${costs.get(s["data-agent-id"])}`).join(", "));

  // Stepping: the button, then the keyboard (j next, k previous).
  const start = await currentStep(page);
  await page.click('[data-testid="replay-step-next"]');
  await page.waitForFunction((s) => {
    const el = document.querySelector('[data-testid="replay-current"]');
    const v = el && (el.getAttribute("data-index") ?? el.getAttribute("data-step") ?? el.textContent);
    return el && v !== s;
  }, start, { timeout: 5000 }).catch(() => {});
  const afterButton = await currentStep(page);
  check(`${what}: replay-step-next moves replay-current`, afterButton !== null && afterButton !== start, `${start} -> ${afterButton}`);
  check(`${what}: the step is in the URL`, new URL(page.url()).searchParams.has("step"), page.url());
  await page.locator("body").click({ position: { x: 5, y: 5 } }).catch(() => {});
  await page.keyboard.press("j");
  await page.waitForFunction((s) => {
    const el = document.querySelector('[data-testid="replay-current"]');
    const v = el && (el.getAttribute("data-index") ?? el.getAttribute("data-step") ?? el.textContent);
    return el && v !== s;
  }, afterButton, { timeout: 5000 }).catch(() => {});
  const afterKey = await currentStep(page);
  check(`${what}: "j" moves replay-current`, afterKey !== null && afterKey !== afterButton, `${afterButton} -> ${afterKey}`);
  await page.keyboard.press("k");
  await page.waitForFunction((s) => {
    const el = document.querySelector('[data-testid="replay-current"]');
    const v = el && (el.getAttribute("data-index") ?? el.getAttribute("data-step") ?? el.textContent);
    return el && v === s;
  }, afterButton, { timeout: 5000 }).catch(() => {});
  check(`${what}: "k" moves back`, (await currentStep(page)) === afterButton, `${afterKey} -> ${await currentStep(page)}`);
  const prev = await page.$('[data-testid="replay-step-prev"]');
  check(`${what}: replay-step-prev present`, prev !== null);

  await sleep(200);
  for (const name of shots) await shot(page, name);
  noProblems(watch, what);
}

async function liveChecks(page, watch, base) {
  watch.label = "live";
  await page.goto(`${base}/live`);
  await waitReady(page, "live");
  await page.waitForFunction(() => document.querySelector('[data-testid="live-status"]')?.textContent?.trim().toLowerCase() === "connected",
    null, { timeout: 15000 });
  check("live: live-status says connected", true);

  const hookEvent = (sessionId, event, extra = {}) => JSON.stringify({
    session_id: sessionId,
    transcript_path: `/home/dash/.claude/projects/-home-dash-live/${sessionId}.jsonl`,
    cwd: "/home/dash/live",
    permission_mode: "default",
    hook_event_name: event,
    tool_name: "Bash",
    tool_input: { command: "true" },
    tool_use_id: `toolu_${sessionId.replaceAll("-", "").slice(0, 20)}`,
    ...extra,
  });

  // The latency: from the POST's answer to the row on screen (both clocks are this
  // machine's wall clock in ms; the page samples on every animation frame).
  const sessionA = crypto.randomUUID();
  const selectorA = `[data-testid="live-event"][data-session-id="${sessionA}"]`;
  const seen = page.waitForFunction((sel) => document.querySelector(sel) ? performance.timeOrigin + performance.now() : false,
    selectorA, { polling: "raf", timeout: 10000 });
  const sentAt = performance.timeOrigin + performance.now();
  await post(`${server.hooksUrl}/v1/hooks`, hookEvent(sessionA, "PreToolUse"));
  const answeredAt = performance.timeOrigin + performance.now();
  let shownAt = null;
  try {
    shownAt = await (await seen).jsonValue();
  } catch (error) {
    check("live: the POSTed event appears", false, String(error.message).split("\n")[0]);
  }
  if (shownAt !== null) {
    const ms = Math.max(0, shownAt - answeredAt);
    console.log(`live_event_ms ${ms.toFixed(0)} (limit ${LIVE_LIMIT_MS}, ratio ${(ms / LIVE_LIMIT_MS).toFixed(3)}; ` +
      `${(shownAt - sentAt).toFixed(0)} ms from sending the POST, whose answer took ${(answeredAt - sentAt).toFixed(0)} ms)`);
    check(`live: hook POST -> row within ${LIVE_LIMIT_MS} ms`, ms <= LIVE_LIMIT_MS, `${ms.toFixed(0)} ms`);
    const kind = await attr(page, selectorA, "data-kind");
    check("live: the row has the canonical kind", kind === "tool_start", kind);
  }
  await sleep(200);
  await shot(page, "live");

  // The session filter: only that session's events from now on.
  await page.fill('[data-testid="live-filter"]', sessionA);
  await page.press('[data-testid="live-filter"]', "Enter");
  await page.waitForFunction(() => document.querySelector('[data-testid="live-status"]')?.textContent?.trim().toLowerCase() === "connected",
    null, { timeout: 15000 });
  await sleep(300);
  const sessionB = crypto.randomUUID();
  await post(`${server.hooksUrl}/v1/hooks`, hookEvent(sessionB, "PreToolUse"));
  await post(`${server.hooksUrl}/v1/hooks`, hookEvent(sessionA, "PostToolUse", { tool_response: { stdout: "" } }));
  try {
    await page.waitForSelector(`${selectorA}[data-kind="tool_end"]`, { timeout: 10000 });
    await sleep(300);
    const rows = await rowsOf(page, '[data-testid="live-event"]', ["data-session-id"]);
    const others = rows.filter((r) => r["data-session-id"] !== sessionA);
    check("live: the session filter shows only that session", rows.length > 0 && others.length === 0,
      `${rows.length} rows, ${others.length} of other sessions`);
    check("live: the filter is in the URL", new URL(page.url()).searchParams.get("session") === sessionA, page.url());
  } catch (error) {
    check("live: the filtered session's new event appears", false, String(error.message).split("\n")[0]);
  }

  // Opened afresh, the page starts with the last stored events that match (?tail=), before
  // anything new is posted.
  await page.goto(`${base}/live?session=${sessionA}`);
  await waitReady(page, "live");
  try {
    await page.waitForSelector(`${selectorA}[data-kind="tool_end"]`, { timeout: 10000 });
    const rows = await rowsOf(page, '[data-testid="live-event"]', ["data-session-id", "data-kind"]);
    const kinds = rows.map((r) => r["data-kind"]);
    check("live: a fresh page shows the session's stored events, newest first",
      rows.every((r) => r["data-session-id"] === sessionA) && kinds.includes("tool_start") &&
        kinds.indexOf("tool_end") < kinds.indexOf("tool_start"),
      JSON.stringify(rows));
  } catch (error) {
    check("live: a fresh page shows the session's stored events", false, String(error.message).split("\n")[0]);
  }
  noProblems(watch, "live");
}

async function toolsChecks(page, watch, base) {
  watch.label = "tools";
  watch.apiRequests.length = 0;
  await page.goto(`${base}/tools?range=all`);
  await waitReady(page, "tools");
  const zone = await currentZone(page);
  checkZoneParams(watch, zone, "tools");
  const report = await server.api(`/api/v1/analytics/tools?tz=${enc(zone)}`);
  const rows = await rowsOf(page, '[data-testid="tool-row"]', ["data-tool", "data-calls", "data-errors"]);
  const byTool = new Map(report.tools.map((t) => [t.tool_name, t]));
  check("tools: one row per tool of /api/v1/analytics/tools", rows.length === report.tools.length,
    `page ${rows.length}, API ${report.tools.length}`);
  const wrong = rows.filter((r) => {
    const t = byTool.get(r["data-tool"]);
    return !t || !sameNumber(r["data-calls"], t.calls) || !sameNumber(r["data-errors"], t.errors);
  });
  check("tools: calls and errors of every row = the API's", wrong.length === 0,
    wrong.slice(0, 5).map((r) => `${r["data-tool"]} ${r["data-calls"]}/${r["data-errors"]}`).join(", "));
  await sleep(200);
  await shot(page, "tools");

  let link = await page.$('[data-testid="tool-failure-link"]');
  if (!link) {
    // Failures may be listed per tool: open the tool with the most errors.
    const failing = [...report.tools].sort((a, b) => b.errors - a.errors)[0];
    if (failing && failing.errors > 0) {
      await page.goto(`${base}/tools?range=all&tool=${enc(failing.tool_name)}`);
      await waitReady(page, "tools");
      link = await page.waitForSelector('[data-testid="tool-failure-link"]', { timeout: 10000 }).catch(() => null);
    }
  }
  if (check("tools: a failure links to its replay", link !== null, `${report.totals.errors} errors in the API`)) {
    const href = await link.getAttribute("href");
    const m = /^\/sessions\/([^/?]+)\?(.*)$/.exec(href ?? "");
    check("tools: the failure link is /sessions/ID?tool_use_id=…", m !== null && new URLSearchParams(m[2]).has("tool_use_id"), href);
    await link.click();
    await page.waitForURL((u) => u.pathname.startsWith("/sessions/"), { timeout: 10000 });
    await waitReady(page, "replay");
    check("tools: the failure link opens the replay", decodeURIComponent(new URL(page.url()).pathname.split("/")[2]) === decodeURIComponent(m?.[1] ?? ""), page.url());
  }
  noProblems(watch, "tools");
}

async function statusChecks(page, watch, base) {
  watch.label = "status";
  await page.goto(`${base}/status`);
  await waitReady(page, "status");
  const status = await server.api("/api/v1/status");
  const healthy = await attr(page, '[data-testid="status-healthy"]');
  check("status: status-healthy = /api/v1/status healthy", healthy === String(status.healthy), `page ${healthy}, API ${status.healthy}`);
  for (const id of ["status-queue-depth", "status-dlq", "status-spool", "status-store-bytes"]) {
    check(`status: ${id} shown`, (await page.$(`[data-testid="${id}"]`)) !== null);
  }
  const sources = await rowsOf(page, '[data-testid="status-source"]', ["data-source"]);
  const apiSources = (status.store?.sources ?? []).map((s) => s.source).sort();
  check("status: one row per store source", JSON.stringify(sources.map((s) => s["data-source"]).sort()) === JSON.stringify(apiSources),
    `page ${sources.map((s) => s["data-source"]).join(",")}, API ${apiSources.join(",")}`);
  await sleep(200);
  await shot(page, "status");
  noProblems(watch, "status");
}

async function keyboardChecks(page, watch, base) {
  watch.label = "keyboard";
  await page.goto(`${base}/?range=all`);
  await waitReady(page, "overview");
  await page.locator("body").click({ position: { x: 5, y: 5 } }).catch(() => {});
  await page.keyboard.press("g");
  await page.keyboard.press("s");
  await page.waitForURL((u) => u.pathname === "/sessions", { timeout: 5000 }).catch(() => {});
  check('keyboard: "g s" goes to sessions', new URL(page.url()).pathname === "/sessions", page.url());
  await waitReady(page, "sessions");
  await page.keyboard.press("/");
  const focused = await page.evaluate(() => document.activeElement?.getAttribute("data-testid"));
  check('keyboard: "/" focuses the search', focused === "sessions-search", String(focused));
  await page.keyboard.press("Escape");
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press("?");
  const help = await page.waitForSelector('[role="dialog"]', { timeout: 5000 }).catch(() => null);
  check('keyboard: "?" opens the help', help !== null && (await help.isVisible()));
  if (help) {
    await shot(page, "help");
    await page.keyboard.press("?");
    await page.waitForSelector('[role="dialog"]', { state: "detached", timeout: 5000 }).catch(() => {});
    check('keyboard: "?" again closes it', (await page.$('[role="dialog"]')) === null);
  }
  noProblems(watch, "keyboard");
}

// ------------------------------------------------------------------ main

// A new user's first look: serve on an empty store. Every page must say what to run next
// (an empty state naming `agent-trace import`), not draw empty charts or fail; an unknown
// session id says "No such session".
async function emptyStoreChecks() {
  const emptyWork = path.join(work, "empty");
  fs.mkdirSync(path.join(emptyWork, "home"), { recursive: true });
  const empty = new Server({
    bin: BIN,
    dataDir: path.join(emptyWork, "data"),
    home: path.join(emptyWork, "home"),
    workDir: emptyWork,
    webDir: WEB_DIR,
  });
  await empty.start();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: BROWSER_ZONE, colorScheme: "dark" });
  try {
    const page = await context.newPage();
    const watch = watchPage(page);
    for (const [name, url] of [["overview", "/"], ["sessions", "/sessions"], ["tools", "/tools"]]) {
      watch.label = `empty ${name}`;
      await page.goto(`${empty.dashboardUrl}${url}`);
      await waitReady(page, name);
      const text = (await page.textContent('[data-testid="empty-state"]').catch(() => null)) ?? "";
      check(`empty store: ${name} shows an empty state that names agent-trace import`,
        text.includes("agent-trace import"), text.slice(0, 160));
      if (name === "overview") await shot(page, "overview-empty");
      noProblems(watch, `empty store: ${name}`);
    }
    watch.label = "empty live";
    await page.goto(`${empty.dashboardUrl}/live`);
    await waitReady(page, "live");
    await page.waitForSelector('[data-testid="live-status"]:has-text("connected")', { timeout: 10000 });
    check("empty store: live connects with nothing stored", (await page.$$('[data-testid="live-event"]')).length === 0);
    noProblems(watch, "empty store: live");

    watch.label = "unknown session";
    const missing = "00000000-0000-4000-8000-000000000000";
    // The page's two requests for it answer 404 by design: the only errors allowed here.
    watch.allow((u) => u.includes(`/api/v1/sessions/${missing}`));
    await page.goto(`${empty.dashboardUrl}/sessions/${missing}`);
    await waitReady(page, "replay");
    const text = (await page.textContent('[data-testid="empty-state"]').catch(() => null)) ?? "";
    check("unknown session: the replay says there is no such session", text.includes("No such session"), text.slice(0, 120));
    check("unknown session: it links back to the sessions", (await page.$('[data-testid="replay-back"]')) !== null);
    const problems = watch.take().filter((p) => !p.includes("Failed to load resource"));
    check("unknown session: no other console error, page error or failed request", problems.length === 0, problems.join("\n"));
  } finally {
    await context.close();
    await empty.stop();
  }
}

// A team server: serve --auth-token. Without the token every page asks for it (one form,
// however many requests were refused), the live page too; a wrong token is refused; the
// right one loads the pages; a #token= link hands it over and leaves the address bar; the
// live stream carries it as ?access_token=; Sign out forgets it.
async function authChecks() {
  // "+", "/" and "=" must survive the #token= link and ?access_token= encoding.
  const token = `t+${crypto.randomUUID()}/x=`;
  const authWork = path.join(work, "auth");
  fs.mkdirSync(path.join(authWork, "home"), { recursive: true });
  const guarded = new Server({
    bin: BIN,
    dataDir: path.join(authWork, "data"),
    home: path.join(authWork, "home"),
    workDir: authWork,
    webDir: WEB_DIR,
    serveArgs: ["--auth-token", token],
  });
  await guarded.start();
  const base = guarded.dashboardUrl;
  const contexts = [];
  // API answers that are errors but not 401, which the watch's allowance would let pass.
  const otherErrors = [];
  const isApi = (u) => new URL(u).pathname.startsWith("/api/v1/");
  const newPage = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: BROWSER_ZONE, colorScheme: "dark" });
    contexts.push(context);
    const page = await context.newPage();
    page.on("response", (r) => {
      if (isApi(r.url()) && r.status() >= 400 && r.status() !== 401) otherErrors.push(`HTTP ${r.status()} ${r.url()}`);
    });
    return { page, watch: watchPage(page) };
  };
  // While the token is missing or wrong the API answers 401 by design: the watch allows
  // those answers (and the console's "Failed to load resource" lines for those URLs).
  const refusalsOnly = (watch, what) => {
    const problems = watch.take();
    check(`${what}: no error but the expected 401s`, problems.length === 0 && otherErrors.length === 0,
      problems.concat(otherErrors.splice(0)).slice(0, 10).join("\n"));
  };
  const reloadAfter = async (page, action) => {
    const loaded = page.waitForEvent("load");
    await action();
    await loaded;
  };
  const liveConnected = (page) =>
    page.waitForFunction(() => document.querySelector('[data-testid="live-status"]')?.textContent?.trim().toLowerCase() === "connected",
      null, { timeout: 15000 });
  const storedToken = (page) => page.evaluate(() => localStorage.getItem("agent-trace.token"));
  try {
    const bare = await fetch(`${base}/api/v1/sessions?limit=1`);
    check("auth: the API refuses a request without the token", bare.status === 401, `HTTP ${bare.status}`);
    const withHeader = await fetch(`${base}/api/v1/sessions?limit=1`, { headers: { Authorization: `Bearer ${token}` } });
    check("auth: the API answers with the token", withHeader.ok, `HTTP ${withHeader.status}`);
    const files = await fetch(`${base}/sessions`);
    check("auth: the dashboard's files need no token", files.ok, `HTTP ${files.status}`);

    const { page, watch } = await newPage();
    watch.allow(isApi);
    watch.label = "auth: no token";
    await page.goto(`${base}/sessions`);
    await page.waitForSelector('[data-testid="token-required"]', { timeout: 15000 });
    check("auth: without a token the sessions page asks for one",
      (await page.textContent('[data-testid="token-required"]')).includes("This server requires a token"));
    check("auth: the input is a password field", (await attr(page, '[data-testid="token-input"]', "type")) === "password");
    check("auth: nothing is said to be refused yet", (await page.$('[data-testid="token-refused"]')) === null);
    check("auth: no Sign out without a stored token", (await page.$('[data-testid="token-clear"]')) === null);
    await shot(page, "token-required");

    watch.label = "auth: overview without a token";
    await page.goto(`${base}/`);
    await page.waitForSelector('[data-testid="token-required"]', { timeout: 15000 });
    await sleep(300);
    const forms = (await page.$$('[data-testid="token-required"]')).length;
    check("auth: the overview shows one token form for all its refused requests", forms === 1, `${forms} forms`);

    watch.label = "auth: live without a token";
    await page.goto(`${base}/live`);
    await page.waitForSelector('[data-testid="token-required"]', { timeout: 15000 });
    const status = (await page.textContent('[data-testid="live-status"]'))?.trim();
    check("auth: live says the token was refused and asks for it", status === "token refused", status);

    watch.label = "auth: wrong token";
    await page.goto(`${base}/sessions`);
    await page.fill('[data-testid="token-input"]', "not-the-token");
    await reloadAfter(page, () => page.click('[data-testid="token-save"]'));
    await page.waitForSelector('[data-testid="token-refused"]', { timeout: 15000 });
    check("auth: a wrong token: the form says the stored token was refused",
      (await page.textContent('[data-testid="token-refused"]')).includes("stored token was refused"));
    check("auth: a stored token offers Sign out", (await page.$('[data-testid="token-clear"]')) !== null);
    refusalsOnly(watch, "auth: without a token and with a wrong one");

    watch.label = "auth: right token";
    await page.fill('[data-testid="token-input"]', token);
    await reloadAfter(page, () => page.click('[data-testid="token-save"]'));
    watch.allowed.length = 0;
    await waitReady(page, "sessions");
    const empty = (await page.textContent('[data-testid="empty-state"]').catch(() => null)) ?? "";
    check("auth: with the right token the sessions page loads (an empty store's empty state)",
      empty.includes("agent-trace import") && (await page.$('[data-testid="token-required"]')) === null, empty.slice(0, 120));
    check("auth: the token is kept under agent-trace.token", (await storedToken(page)) === token);
    // Requests made before the reload may still be answered 401 while the new page loads.
    refusalsOnly(watch, "auth: saving the right token");

    watch.label = "auth: pages with the token";
    for (const [name, url] of [["overview", "/"], ["status", "/status"]]) {
      await page.goto(`${base}${url}`);
      await waitReady(page, name);
    }
    check("auth: overview and status load with the token", (await page.$('[data-testid="token-required"]')) === null);
    noProblems(watch, "auth: pages with the token");

    watch.label = "auth: live with the token";
    watch.apiRequests.length = 0;
    await page.goto(`${base}/live`);
    await waitReady(page, "live");
    await liveConnected(page);
    check("auth: live connects with the token", true);
    const streams = watch.apiRequests.filter((u) => new URL(u).pathname === "/api/v1/stream");
    check("auth: the stream URL carries access_token",
      streams.length > 0 && streams.every((u) => new URL(u).searchParams.get("access_token") === token), streams.join(" "));
    noProblems(watch, "auth: live with the token");

    // A link with the token in its fragment, in a browser that has none.
    const link = await newPage();
    link.watch.label = "auth: #token= link";
    await link.page.goto(`${base}/sessions#token=${encodeURIComponent(token)}`);
    await waitReady(link.page, "sessions");
    const url = link.page.url();
    check("auth: a #token= link loads the page", (await link.page.$('[data-testid="token-required"]')) === null);
    check("auth: the address bar no longer holds the token", !url.includes("#") && !url.includes("token"), url);
    check("auth: the link's token is stored", (await storedToken(link.page)) === token);
    await link.page.goto(`${base}/live`);
    await waitReady(link.page, "live");
    await liveConnected(link.page);
    check("auth: live connects after the link", true);
    noProblems(link.watch, "auth: #token= link");

    link.watch.label = "auth: sign out";
    link.watch.allow(isApi);
    await link.page.goto(`${base}/sessions`);
    await waitReady(link.page, "sessions");
    await reloadAfter(link.page, () => link.page.click('[data-testid="token-clear"]'));
    await link.page.waitForSelector('[data-testid="token-required"]', { timeout: 15000 });
    check("auth: Sign out forgets the token and the form asks again",
      (await storedToken(link.page)) === null && (await link.page.$('[data-testid="token-refused"]')) === null);
    refusalsOnly(link.watch, "auth: sign out");
  } finally {
    for (const context of contexts) await context.close().catch(() => {});
    await guarded.stop();
  }
}

async function main() {
  if (!fs.existsSync(path.join(WEB_DIR, "index.html"))) throw new Error(`${WEB_DIR} has no index.html: build the dashboard (cmake --build build --target web)`);
  if (!Server.supportsDashboard(BIN)) throw new Error(`${BIN} serve has no --dashboard-listen/--web-dir`);

  const { kb, files } = jsGzipKb(WEB_DIR, zlib);
  console.log(`js_gzip_kb ${kb.toFixed(1)} (limit ${JS_LIMIT_KB}, ratio ${(kb / JS_LIMIT_KB).toFixed(3)}; ${files.length} files)`);
  check(`JavaScript at most ${JS_LIMIT_KB} KB gzipped`, kb <= JS_LIMIT_KB, `${kb.toFixed(1)} KB`);

  let t = performance.now();
  const corpus = path.join(work, "corpus");
  run("python3", [GENERATOR, "--out", corpus, "--seed", "11", "--sessions", "60", "--jobs", "2"]);
  phase("generate corpus (60 sessions)", t);
  const captures = captureNames();
  check("the harness captures are there", captures.includes(SUBAGENT_CAPTURE) && captures.length >= 6, captures.join(","));
  t = performance.now();
  const env = { ...process.env, HOME: home, TZ: "UTC" };
  delete env.CLAUDE_CONFIG_DIR;
  run(BIN, ["--data-dir", dataDir, "--config-dir", path.join(work, "config"), "import", "-q",
    path.join(corpus, "projects"), ...captures.map((n) => path.join(CAPTURES, n, "transcripts"))], { env });
  phase("import corpus + capture transcripts", t);

  server = new Server({ bin: BIN, dataDir, home, workDir: work, webDir: WEB_DIR });
  t = performance.now();
  await server.start();
  console.log(`serve: hooks ${server.hooksUrl}, api ${server.apiUrl}, dashboard ${server.dashboardUrl}`);
  let posted = { hooks: 0, otlp: 0 };
  for (const name of captures) {
    const n = await feedCapture(name);
    posted = { hooks: posted.hooks + n.hooks, otlp: posted.otlp + n.otlp };
  }
  console.log(`posted ${posted.hooks} hook events and ${posted.otlp} OTLP exports from ${captures.length} captures`);
  const indexS = await server.waitIndexed(120000);
  phase(`serve + feed captures + index caught up (${indexS.toFixed(1)} s waiting)`, t);

  const subagentId = captureSessionIds(SUBAGENT_CAPTURE)[0];
  const captureIds = new Set(captures.flatMap(captureSessionIds));
  const fused = await server.api(`/api/v1/sessions/${enc(subagentId)}`);
  check("the subagent capture's session is fused from hooks, OTEL and transcript",
    ["hook", "otel", "transcript"].every((s) => fused.session.sources.includes(s)), fused.session.sources.join(","));
  check("the subagent capture has a subagent", fused.subagents.length > 0);
  const viaDashboard = await (await fetch(`${server.dashboardUrl}/api/v1/sessions?limit=5`)).json();
  const viaApi = await server.api("/api/v1/sessions?limit=5");
  check("the dashboard port answers /api/v1 like the API port", JSON.stringify(viaDashboard) === JSON.stringify(viaApi));
  const bySubagents = (await server.api("/api/v1/sessions?sort=calls&limit=200")).sessions.filter((s) => !captureIds.has(s.session_id));
  const corpusSession = (bySubagents.find((s) => s.counts.subagents > 0 && s.counts.tool_calls > 0) ?? bySubagents[0]).session_id;

  browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: LAUNCH_ARGS });
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    timezoneId: BROWSER_ZONE,
    colorScheme: "dark",
    locale: "en-US",
  });
  const page = await context.newPage();
  const watch = watchPage(page);
  const base = server.dashboardUrl;
  t = performance.now();
  await section("overview", () => overviewChecks(page, watch, base));
  await section("sessions", () => sessionsChecks(page, watch, base));
  await section("replay (subagent capture)", () =>
    replayChecks(page, watch, base, subagentId, "replay of the subagent capture", ["replay", "replay-subagent"]));
  await section("replay (corpus session)", () => replayChecks(page, watch, base, corpusSession, "replay of a corpus session", ["replay-corpus"]));
  await section("live", () => liveChecks(page, watch, base));
  await section("tools", () => toolsChecks(page, watch, base));
  await section("status", () => statusChecks(page, watch, base));
  await section("keyboard", () => keyboardChecks(page, watch, base));
  await section("time zone", () => zoneChecks(page, watch, base));
  await section("empty store", () => emptyStoreChecks());
  await section("auth token", () => authChecks());
  phase("browser checks", t);
  console.log(`(${watch.aborted} requests aborted by the pages themselves: refetches and navigations)`);
  await context.close();
}

let code = 1;
try {
  await main();
  code = summary("dashboard_browser");
} catch (error) {
  check("dashboard_browser ran to the end", false, String(error?.stack ?? error));
  summary("dashboard_browser");
  code = 1;
} finally {
  await browser?.close().catch(() => {});
  if (server) {
    await server.stop();
    try {
      fs.copyFileSync(server.logPath, path.join(ARTIFACTS, "serve.log"));
    } catch {
      // no log
    }
    if (code !== 0) console.log(`serve log (tail):\n${server.log()}`);
  }
  cleanup();
}
process.exit(code);

// Shared by the dashboard's browser tests (dashboard.mjs, load_1m.mjs): a real
// `agent-trace serve` on port 0, the checks and their summary, and a browser page that
// records every console error, page error, failed request and HTTP error it sees.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export { sleep };

// ------------------------------------------------------------------ checks

const results = [];

export function check(name, ok, detail = "") {
  results.push({ name, ok: Boolean(ok), detail });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
  return Boolean(ok);
}

// Runs one group of checks; an exception (a page that never became ready, a missing
// element) fails the group with its message instead of stopping the rest.
export async function section(name, fn) {
  const started = performance.now();
  console.log(`-- ${name}`);
  try {
    await fn();
  } catch (error) {
    check(`${name}: ran to the end`, false, String(error?.stack ?? error).split("\n").slice(0, 6).join("\n"));
  }
  console.log(`   (${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

// Prints every check and returns the process exit code.
export function summary(title) {
  const failed = results.filter((r) => !r.ok);
  console.log(`\n${title}: ${results.length - failed.length} of ${results.length} checks passed`);
  for (const r of results) console.log(`  ${r.ok ? "ok  " : "FAIL"} ${r.name}`);
  if (failed.length > 0) {
    console.log(`\n${title}: FAILED (${failed.length}):`);
    for (const r of failed) console.log(`  - ${r.name}${r.detail ? `: ${r.detail}` : ""}`);
    return 1;
  }
  if (results.length === 0) {
    console.log(`${title}: FAILED: no check ran`);
    return 1;
  }
  return 0;
}

// Equality of a data-value attribute with the API's number: the text must parse to exactly
// the same double (only its formatting may differ); null in the API is an empty attribute.
export function sameNumber(attr, expected) {
  if (expected === null || expected === undefined) return attr === "" || attr === null;
  if (attr === null || attr === "") return false;
  return Number(attr) === Number(expected);
}

export function phase(name, startedMs) {
  const seconds = (performance.now() - startedMs) / 1000;
  console.log(`phase ${name}: ${seconds.toFixed(1)} s`);
  return seconds;
}

// ------------------------------------------------------------------ processes

export function run(cmd, args, options = {}) {
  const proc = spawnSync(cmd, args, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
    ...options,
  });
  if (proc.error) throw new Error(`${cmd}: ${proc.error.message}`);
  if (proc.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited ${proc.status ?? proc.signal}\n` +
        `stdout: ${(proc.stdout ?? "").slice(-2000)}\nstderr: ${(proc.stderr ?? "").slice(-2000)}`,
    );
  }
  return proc.stdout ?? "";
}

// The store's own count of sessions the fused index has not caught up with, and of events.
export function storeCounts(dataDir) {
  const db = path.join(dataDir, "agent-trace.db");
  const out = run("python3", [
    "-c",
    "import json, sqlite3, sys\n" +
      "con = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True, timeout=30)\n" +
      "q = lambda s: con.execute(s).fetchone()[0]\n" +
      "print(json.dumps({'stale': q('SELECT count(*) FROM fused_stale'), 'events': q('SELECT count(*) FROM events')}))",
    db,
  ]);
  return JSON.parse(out);
}

export async function getJson(url, { allowStatus = [] } = {}) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const text = await response.text();
  if (!response.ok && !allowStatus.includes(response.status)) {
    throw new Error(`GET ${url}: HTTP ${response.status} ${text.slice(0, 500)}`);
  }
  return JSON.parse(text);
}

export async function post(url, body, contentType = "application/json") {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": contentType },
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return text;
}

// One `agent-trace serve` on free loopback ports with its own data dir and HOME, stopped by
// its PID (SIGTERM, then SIGKILL after 20 s). `serveArgs` go to serve after the usual ones
// (e.g. --auth-token T).
export class Server {
  constructor({ bin, dataDir, home, workDir, webDir, serveArgs = [] }) {
    Object.assign(this, { bin, dataDir, home, workDir, webDir, serveArgs });
    this.proc = null;
    this.ports = null;
    this.logPath = path.join(workDir, "serve.log");
    this.portFile = path.join(workDir, "serve.port.json");
  }

  static supportsDashboard(bin) {
    const help = spawnSync(bin, ["serve", "--help"], { encoding: "utf8" });
    return (help.stdout ?? "").includes("--dashboard-listen") && (help.stdout ?? "").includes("--web-dir");
  }

  async start(timeoutMs = 60000) {
    fs.rmSync(this.portFile, { force: true });
    const log = fs.openSync(this.logPath, "a");
    const args = [
      "--data-dir", this.dataDir,
      "--config-dir", path.join(this.workDir, "config"),
      "serve",
      "--hooks-listen", "127.0.0.1:0",
      "--otlp-grpc-listen", "127.0.0.1:0",
      "--api-listen", "127.0.0.1:0",
      "--dashboard-listen", "127.0.0.1:0",
      "--web-dir", this.webDir,
      "--port-file", this.portFile,
      "--no-import",
      ...this.serveArgs,
    ];
    const env = { ...process.env, HOME: this.home, TZ: "UTC" };
    delete env.CLAUDE_CONFIG_DIR;
    this.proc = spawn(this.bin, args, { stdio: ["ignore", log, log], env });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.proc.once("exit", (code, signal) => resolve({ code, signal })));
    this.exitStatus = null;
    this.exited.then((s) => (this.exitStatus = s));
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.exitStatus) throw new Error(`serve exited ${JSON.stringify(this.exitStatus)}:\n${this.log()}`);
      try {
        const info = JSON.parse(fs.readFileSync(this.portFile, "utf8"));
        if (info.hooks && info.api && info.dashboard) {
          this.ports = info;
          return this;
        }
        if (info.hooks && info.api && !info.dashboard) {
          throw new Error(`the port file has no "dashboard" key: ${JSON.stringify(info)}`);
        }
      } catch (error) {
        if (String(error.message).includes("no \"dashboard\" key")) throw error;
      }
      await sleep(50);
    }
    throw new Error(`serve wrote no port file in ${timeoutMs / 1000} s:\n${this.log()}`);
  }

  get hooksUrl() {
    return `http://127.0.0.1:${this.ports.hooks}`;
  }
  get apiUrl() {
    return `http://127.0.0.1:${this.ports.api}`;
  }
  get dashboardUrl() {
    return (this.ports.dashboard_url ?? `http://127.0.0.1:${this.ports.dashboard}`).replace(/\/+$/, "");
  }

  api(pathAndQuery) {
    return getJson(this.apiUrl + pathAndQuery);
  }

  health() {
    return getJson(this.hooksUrl + "/healthz", { allowStatus: [503] });
  }

  log() {
    try {
      return fs.readFileSync(this.logPath, "utf8").slice(-4000);
    } catch {
      return "";
    }
  }

  // Until nothing is queued, the index has made a pass and has no stale session, and the
  // store agrees (twice in a row: a batch stored between two looks marks its session stale).
  async waitIndexed(timeoutMs, label = "index") {
    const started = performance.now();
    let calm = 0;
    let last = "";
    let lastPrint = started;
    while (performance.now() - started < timeoutMs) {
      if (this.exitStatus) throw new Error(`serve exited ${JSON.stringify(this.exitStatus)}:\n${this.log()}`);
      const health = await this.health();
      const depth = health.queue?.depth_records ?? 0;
      const index = health.index ?? {};
      let stale = index.stale;
      if (depth === 0 && index.passes >= 1 && stale === 0) stale = storeCounts(this.dataDir).stale;
      last = `queue ${depth}, index passes ${index.passes}, stale ${stale}`;
      calm = depth === 0 && index.passes >= 1 && stale === 0 ? calm + 1 : 0;
      if (calm >= 2) return (performance.now() - started) / 1000;
      if (performance.now() - lastPrint > 10000) {
        console.log(`   ${label}: ${last}`);
        lastPrint = performance.now();
      }
      await sleep(150);
    }
    throw new Error(`${label}: not caught up after ${timeoutMs / 1000} s (${last})`);
  }

  async stop() {
    if (!this.proc || this.exitStatus) return;
    const pid = this.proc.pid;
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      return;
    }
    const timedOut = await Promise.race([this.exited.then(() => false), sleep(20000).then(() => true)]);
    if (timedOut) {
      console.log(`serve (pid ${pid}) did not stop in 20 s after SIGTERM: SIGKILL`);
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
      await this.exited;
    }
  }

  // For a signal handler: no awaiting there.
  stopNow() {
    if (this.proc && !this.exitStatus) {
      try {
        process.kill(this.proc.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  }
}

// ------------------------------------------------------------------ browser

export function chromiumPath() {
  return process.env.CHROMIUM || "/usr/bin/chromium";
}

export const LAUNCH_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"];

// Records what goes wrong on a page. `label` names the step in progress; take() returns the
// problems seen since the last take(). allow(fn) lets a test provoke an HTTP error on purpose.
export function watchPage(page) {
  const state = {
    label: "start",
    problems: [],
    apiRequests: [],
    aborted: 0,
    allowed: [],
    take() {
      const out = this.problems;
      this.problems = [];
      return out;
    },
    allow(predicate) {
      this.allowed.push(predicate);
    },
  };
  const allowed = (url) => state.allowed.some((p) => p(url));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const url = msg.location()?.url ?? "";
    if (url && allowed(url)) return;
    state.problems.push(`[${state.label}] console error: ${msg.text()}${url ? ` (${url})` : ""}`);
  });
  page.on("pageerror", (error) => {
    state.problems.push(`[${state.label}] page error: ${error.message}`);
  });
  page.on("request", (request) => {
    if (new URL(request.url()).pathname.startsWith("/api/")) state.apiRequests.push(request.url());
  });
  page.on("requestfailed", (request) => {
    const why = request.failure()?.errorText ?? "";
    // A fetch the page aborted itself (a refetch replaced it, a navigation ended it) and
    // the EventSource closed when leaving /live: not failures.
    if (why === "net::ERR_ABORTED") {
      state.aborted += 1;
      return;
    }
    state.problems.push(`[${state.label}] request failed: ${request.method()} ${request.url()} ${why}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400 && !allowed(response.url())) {
      state.problems.push(`[${state.label}] HTTP ${response.status()} ${response.request().method()} ${response.url()}`);
    }
  });
  return state;
}

export async function waitReady(page, name, timeout = 20000) {
  await page.waitForSelector(`section[data-page="${name}"][data-ready="1"]`, { timeout });
}

// Sum of the gzip -9 sizes of the dashboard's JavaScript.
export function jsGzipKb(webDir, zlib) {
  const assets = path.join(webDir, "assets");
  let bytes = 0;
  const files = fs.readdirSync(assets).filter((f) => f.endsWith(".js"));
  for (const f of files) {
    bytes += zlib.gzipSync(fs.readFileSync(path.join(assets, f)), { level: 9 }).length;
  }
  return { kb: bytes / 1024, files };
}

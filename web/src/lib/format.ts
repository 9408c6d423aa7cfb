// Number, money, duration and time formatting. Pure functions: unit-tested in format.test.ts.

// The replay draws thousands of rows, each with a clock time and most with a dollar figure:
// formatters are built once (toLocaleString / formatToParts cost 10-45 µs a call).
const usdFormats = new Map<number, Intl.NumberFormat>();

function usdFormat(digits: number): Intl.NumberFormat {
  let f = usdFormats.get(digits);
  if (!f) {
    f = new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
    usdFormats.set(digits, f);
  }
  return f;
}

export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  // Cents hide what a cheap call costs; show four decimals below a dollar, two above.
  const digits = abs !== 0 && abs < 1 ? 4 : 2;
  return (value < 0 ? "-$" : "$") + usdFormat(digits).format(abs);
}

const intFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatInt(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return intFormat.format(Math.round(value));
}

// 1234 -> "1.2k", 1234567 -> "1.23M": for axes and dense tables.
export function formatCompact(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  if (abs < 1000) return String(Math.round(value));
  const units: [number, string][] = [
    [1e12, "T"],
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) {
      const scaled = value / size;
      const digits = Math.abs(scaled) < 10 ? 2 : Math.abs(scaled) < 100 ? 1 : 0;
      return `${scaled.toFixed(digits)}${suffix}`;
    }
  }
  return String(value);
}

export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return "—";
  return `${(ratio * 100).toFixed(digits)}%`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  // Round to the precision shown before choosing the unit, so 59.99 s is "1m 0s", not "60.0 s".
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000 - 5) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000 - 50) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes}m ${totalSeconds - minutes * 60}s`;
  const totalMinutes = Math.round(ms / 60_000);
  const hours = Math.floor(totalMinutes / 60);
  if (hours < 48) return `${hours}h ${totalMinutes - hours * 60}m`;
  const totalHours = Math.round(ms / 3_600_000);
  const days = Math.floor(totalHours / 24);
  return `${days}d ${totalHours - days * 24}h`;
}

const QUARTER_MS = 15 * 60 * 1000;
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

// The zone's offset from UTC (ms) at `ms`, read from the zone's wall clock once per quarter
// hour: every zone's offset changes only on a quarter hour.
function zoneOffset(ms: number, zone: string): number {
  const bucket = Math.floor(ms / QUARTER_MS);
  const key = `${zone}|${bucket}`;
  const cached = offsets.get(key);
  if (cached !== undefined) return cached;
  let f = offsetFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    offsetFormats.set(zone, f);
  }
  const at = bucket * QUARTER_MS;
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(at))) p[part.type] = part.value;
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
  const offset = wall - at;
  if (offsets.size > 50000) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function wallClock(iso: string | null | undefined, zone: string): Date | null {
  if (!iso) return null;
  const ms = new Date(iso).getTime();
  if (Number.isNaN(ms)) return null;
  return new Date(ms + zoneOffset(ms, zone));
}

// The calendar day (YYYY-MM-DD) of an instant in an IANA zone.
export function dayInZone(epochMs: number, zone: string): string {
  const d = new Date(epochMs + zoneOffset(epochMs, zone));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

// "20:43:24.324" in the given IANA zone: timeline rows.
export function formatClock(iso: string | null | undefined, zone: string): string {
  const d = wallClock(iso, zone);
  if (!d) return "—";
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

// "2026-11-25 20:43:24" in the given IANA zone.
export function formatDateTime(iso: string | null | undefined, zone: string): string {
  const d = wallClock(iso, zone);
  if (!d) return "—";
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
}

// "3 min ago", relative to `now` (ms since the epoch).
export function formatAgo(iso: string | null | undefined, now: number): string {
  if (!iso) return "—";
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return "—";
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

// A project as people say it. A cwd keeps its last folder ("/home/dev/src/payments_api" ->
// "payments_api"). Claude Code's project key replaced every "/" by "-", so its folder
// boundaries are lost: only the home prefix is dropped ("-home-dev-src-payments-api" ->
// "src-payments-api").
export function shortProject(project: string): string {
  if (!project) return "(none)";
  if (project.includes("/") || project.includes("\\")) {
    const trimmed = project.replace(/[/\\]+$/, "");
    const slash = Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\"));
    return trimmed.slice(slash + 1) || project;
  }
  const home = /^-(?:home|Users)-[^-]+-(.+)$/.exec(project);
  return home ? home[1] : project;
}

// "claude-sonnet-4-5-20250929" -> "sonnet-4-5": legend-sized model names.
export function shortModel(model: string): string {
  return model.replace(/^claude-/, "").replace(/-\d{8}$/, "") || model;
}

export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

// User preferences kept in localStorage: time zone and theme. Read once at start; a change is
// written back and applied to the document at once.
import { useEffect, useState } from "preact/hooks";

export type Theme = "dark" | "light";

const TZ_KEY = "agent-trace.tz";
const THEME_KEY = "agent-trace.theme";

export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // private mode or storage full: the preference lasts for this page only
  }
}

export function initialZone(): string {
  const fromUrl = new URLSearchParams(window.location.search).get("tz");
  if (fromUrl && isValidZone(fromUrl)) return fromUrl;
  const stored = read(TZ_KEY);
  if (stored && isValidZone(stored)) return stored;
  return browserZone();
}

export function initialTheme(): Theme {
  const stored = read(THEME_KEY);
  if (stored === "dark" || stored === "light") return stored;
  return window.matchMedia?.("(prefers-color-scheme: light)").matches ? "light" : "dark";
}

export function useZone(): [string, (zone: string) => void] {
  const [zone, setZone] = useState(initialZone);
  return [
    zone,
    (next: string) => {
      if (!isValidZone(next)) return;
      write(TZ_KEY, next);
      setZone(next);
    },
  ];
}

export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return [
    theme,
    (next: Theme) => {
      write(THEME_KEY, next);
      setTheme(next);
    },
  ];
}

// Zones offered in the selector: the browser's, UTC, and common ones; any IANA name also
// works through ?tz=.
export const COMMON_ZONES = [
  "UTC",
  "America/Los_Angeles",
  "America/Denver",
  "America/Chicago",
  "America/New_York",
  "America/Sao_Paulo",
  "Europe/London",
  "Europe/Paris",
  "Europe/Berlin",
  "Asia/Kolkata",
  "Asia/Shanghai",
  "Asia/Tokyo",
  "Australia/Sydney",
];

// The API token of a serve started with --auth-token (docs/serve.md): kept in this browser's
// localStorage, sent as `Authorization: Bearer` on every API request and as ?access_token= on
// the live stream (an EventSource cannot send headers). A link ending in #token=... hands it
// over; it is moved into storage at start and taken out of the address bar. The pure parts
// are unit-tested in auth.test.ts.

export const TOKEN_KEY = "agent-trace.token";

function browserStorage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    // storage disabled (privacy settings): the page still works on a server without a token
    return null;
  }
}

export function getToken(storage: Storage | null = browserStorage()): string | null {
  try {
    return storage?.getItem(TOKEN_KEY) || null;
  } catch {
    return null;
  }
}

export function setToken(token: string, storage: Storage | null = browserStorage()): void {
  try {
    storage?.setItem(TOKEN_KEY, token);
  } catch {
    // full or disabled storage: the next request simply goes without it
  }
}

export function clearToken(storage: Storage | null = browserStorage()): void {
  try {
    storage?.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored, nothing to forget
  }
}

// Parses a fragment such as "#token=abc" or "#token=abc&x=1". `found` says a token= part was
// there (even an empty one, which is still removed from the address bar); `rest` is the
// fragment without it ("" when nothing else was there). Decoded with decodeURIComponent, not
// URLSearchParams, so a "+" in a token stays a "+".
export function tokenFromFragment(hash: string): { found: boolean; token: string | null; rest: string } {
  const body = hash.startsWith("#") ? hash.slice(1) : hash;
  const parts = body ? body.split("&") : [];
  const index = parts.findIndex((p) => p === "token" || p.startsWith("token="));
  if (index < 0) return { found: false, token: null, rest: hash };
  const raw = parts[index].slice("token=".length);
  let token = raw;
  try {
    token = decodeURIComponent(raw);
  } catch {
    // malformed percent-encoding: keep the text as it came
  }
  parts.splice(index, 1);
  token = token.trim();
  return { found: true, token: token || null, rest: parts.length ? `#${parts.join("&")}` : "" };
}

// At start, before the first request: a #token= fragment goes into storage and out of the
// address bar (replaceState: no history entry keeps it, no screenshot shows it).
export function adoptFragmentToken(): void {
  if (typeof window === "undefined") return;
  const { found, token, rest } = tokenFromFragment(window.location.hash);
  if (!found) return;
  if (token) setToken(token);
  const { pathname, search } = window.location;
  window.history.replaceState(window.history.state, "", `${pathname}${search}${rest}`);
}

// What an HTTP header can carry: visible ASCII, no spaces (fetch() throws on anything else).
export function usableToken(text: string): boolean {
  return /^[\x21-\x7e]+$/.test(text);
}

// The headers of an API request.
export function apiHeaders(token: string | null): Record<string, string> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

// A stream URL with the token as ?access_token=. Without a token the URL is left alone: a
// serve without --auth-token refuses access_token as an unknown parameter.
export function withAccessToken(url: string, token: string | null): string {
  if (!token) return url;
  return `${url}${url.includes("?") ? "&" : "?"}access_token=${encodeURIComponent(token)}`;
}

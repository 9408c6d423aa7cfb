// A small history-API router: path-based routes (/sessions/ID is a real, shareable URL that
// serve answers with index.html) and query strings as page state.
import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";

export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  if (to === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  for (const l of listeners) l();
}

// Replaces the query string of the current page (filters, sort, cursor) without a new
// history entry per keystroke.
export function setQuery(update: Record<string, string | null | undefined>, replace = true): void {
  const query = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(update)) {
    if (value === null || value === undefined || value === "") query.delete(key);
    else query.set(key, value);
  }
  const text = query.toString();
  navigate(window.location.pathname + (text ? `?${text}` : ""), replace);
}

export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return location;
}

// A plain left click on an in-app link navigates without reloading the page.
export function onLinkClick(event: MouseEvent): void {
  const anchor = (event.currentTarget as HTMLAnchorElement | null) ?? null;
  if (!anchor || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = anchor.getAttribute("href");
  if (!href || !href.startsWith("/") || anchor.target === "_blank") return;
  event.preventDefault();
  navigate(href);
}

export interface Route {
  page: "overview" | "sessions" | "replay" | "live" | "tools" | "status" | "not_found";
  params: Record<string, string>;
}

export function matchRoute(path: string): Route {
  const clean = path.replace(/\/+$/, "") || "/";
  if (clean === "/" || clean === "/overview") return { page: "overview", params: {} };
  if (clean === "/sessions") return { page: "sessions", params: {} };
  const replay = /^\/sessions\/([^/]+)$/.exec(clean);
  if (replay) return { page: "replay", params: { id: decodeURIComponent(replay[1]) } };
  if (clean === "/live") return { page: "live", params: {} };
  if (clean === "/tools") return { page: "tools", params: {} };
  if (clean === "/status") return { page: "status", params: {} };
  return { page: "not_found", params: {} };
}

// What every page can read: the display zone (IANA) and the current time source.
export interface AppContextValue {
  zone: string;
}

export const AppContext = createContext<AppContextValue>({ zone: "UTC" });

export function useApp(): AppContextValue {
  return useContext(AppContext);
}

// The application shell: navigation, time zone and theme, keyboard shortcuts, and the page
// for the current URL.
import { useEffect, useState } from "preact/hooks";
import { Link } from "./components/common";
import { clearToken, getToken } from "./lib/auth";
import { isTyping } from "./lib/pageHooks";
import { COMMON_ZONES, browserZone, useTheme, useZone } from "./lib/prefs";
import { AppContext, matchRoute, navigate, useLocation } from "./lib/router";
import { OverviewPage } from "./pages/Overview";
import { SessionsPage } from "./pages/Sessions";
import { ReplayPage } from "./pages/Replay";
import { LivePage } from "./pages/Live";
import { ToolsPage } from "./pages/Tools";
import { StatusPage } from "./pages/Status";

const NAV: { href: string; label: string; page: string; key: string }[] = [
  { href: "/", label: "Overview", page: "overview", key: "o" },
  { href: "/sessions", label: "Sessions", page: "sessions", key: "s" },
  { href: "/live", label: "Live", page: "live", key: "l" },
  { href: "/tools", label: "Tools & errors", page: "tools", key: "t" },
  { href: "/status", label: "Status", page: "status", key: "h" },
];

// "g" then a letter jumps to a page; "/" focuses the page's search box; "?" lists the keys.
function useShortcuts(toggleHelp: () => void, toggleTheme: () => void): void {
  useEffect(() => {
    let pendingG = 0;
    const onKey = (event: KeyboardEvent) => {
      if (event.metaKey || event.ctrlKey || event.altKey || isTyping(event.target)) return;
      if (pendingG && Date.now() - pendingG < 1500) {
        pendingG = 0;
        const target = NAV.find((n) => n.key === event.key);
        if (target) {
          event.preventDefault();
          navigate(target.href);
        }
        return;
      }
      if (event.key === "g") pendingG = Date.now();
      else if (event.key === "?") toggleHelp();
      else if (event.key === "T") toggleTheme();
      else if (event.key === "/") {
        const search = document.querySelector<HTMLInputElement>("[data-search]");
        if (search) {
          event.preventDefault();
          search.focus();
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [toggleHelp, toggleTheme]);
}

function ShortcutHelp(props: { onClose: () => void }) {
  return (
    <div class="help-overlay" role="dialog" aria-label="Keyboard shortcuts" onClick={props.onClose}>
      <div class="help-box" onClick={(e) => e.stopPropagation()}>
        <h2>Keyboard</h2>
        <table>
          <tbody>
            {NAV.map((n) => (
              <tr key={n.key}>
                <td>
                  <kbd>g</kbd> <kbd>{n.key}</kbd>
                </td>
                <td>{n.label}</td>
              </tr>
            ))}
            <tr>
              <td>
                <kbd>/</kbd>
              </td>
              <td>Search</td>
            </tr>
            <tr>
              <td>
                <kbd>j</kbd> <kbd>k</kbd>
              </td>
              <td>Next / previous row or step</td>
            </tr>
            <tr>
              <td>
                <kbd>Enter</kbd>
              </td>
              <td>Open the selected row</td>
            </tr>
            <tr>
              <td>
                <kbd>T</kbd>
              </td>
              <td>Dark / light theme</td>
            </tr>
            <tr>
              <td>
                <kbd>?</kbd>
              </td>
              <td>This help</td>
            </tr>
          </tbody>
        </table>
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </div>
  );
}

export function App() {
  const location = useLocation();
  const [zone, setZone] = useZone();
  const [theme, setTheme] = useTheme();
  const [help, setHelp] = useState(false);
  // Read once: saving or forgetting a token reloads the page.
  const [signedIn] = useState(() => getToken() !== null);
  const route = matchRoute(location.path);
  const toggleTheme = () => setTheme(theme === "dark" ? "light" : "dark");
  useShortcuts(() => setHelp((h) => !h), toggleTheme);

  const zones = Array.from(new Set([browserZone(), zone, ...COMMON_ZONES]));
  let page;
  switch (route.page) {
    case "overview":
      page = <OverviewPage query={location.query} />;
      break;
    case "sessions":
      page = <SessionsPage query={location.query} />;
      break;
    case "replay":
      page = <ReplayPage id={route.params.id} query={location.query} />;
      break;
    case "live":
      page = <LivePage query={location.query} />;
      break;
    case "tools":
      page = <ToolsPage query={location.query} />;
      break;
    case "status":
      page = <StatusPage />;
      break;
    default:
      page = (
        <section class="page" data-page="not_found" data-ready="1">
          <h1>Not found</h1>
          <p>
            No page at <code>{location.path}</code>. <Link href="/">Go to the overview</Link>.
          </p>
        </section>
      );
  }
  const active = route.page === "replay" ? "sessions" : route.page;

  return (
    <AppContext.Provider value={{ zone }}>
      <div class="shell">
        <nav class="topbar" aria-label="Main">
          <Link href="/" class="brand">
            agent-trace
          </Link>
          <ul class="nav">
            {NAV.map((n) => (
              <li key={n.href}>
                <Link
                  href={n.href}
                  class={active === n.page ? "active" : undefined}
                  data-testid={`nav-${n.page}`}
                >
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
          <div class="prefs">
            <label>
              <span class="sr-only">Time zone</span>
              <select
                data-testid="tz-select"
                value={zone}
                title="Time zone for dates and daily totals"
                onChange={(e) => setZone((e.currentTarget as HTMLSelectElement).value)}
              >
                {zones.map((z) => (
                  <option key={z} value={z}>
                    {z}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              data-testid="theme-toggle"
              title="Dark / light theme (T)"
              onClick={toggleTheme}
            >
              {theme === "dark" ? "☾ Dark" : "☀ Light"}
            </button>
            <button type="button" title="Keyboard shortcuts (?)" onClick={() => setHelp(true)}>
              ?
            </button>
            {signedIn ? (
              <button
                type="button"
                data-testid="token-clear"
                title="Forget the API token stored in this browser"
                onClick={() => {
                  clearToken();
                  window.location.reload();
                }}
              >
                Sign out
              </button>
            ) : null}
          </div>
        </nav>
        <main>{page}</main>
        {help ? <ShortcutHelp onClose={() => setHelp(false)} /> : null}
      </div>
    </AppContext.Provider>
  );
}

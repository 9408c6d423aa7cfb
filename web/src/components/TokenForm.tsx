// What an API error 401 shows instead of a plain error box: serve runs with --auth-token and
// this browser has no token for it, or the one it has was refused. Saving stores the token
// (lib/auth.ts) and reloads, so every request of the page is made again with it.
import { useLayoutEffect, useState } from "preact/hooks";
import { getToken, setToken, usableToken } from "../lib/auth";

// Several boxes of one page can fail with the same 401 (the Overview loads six things): the
// first one mounted shows the form, the others a one-line note.
let nextId = 1;
const claims: number[] = [];
const listeners = new Set<() => void>();

function useFirstOnPage(): boolean {
  const [id] = useState(() => nextId++);
  const [, rerender] = useState(0);
  useLayoutEffect(() => {
    const listener = () => rerender((n) => n + 1);
    claims.push(id);
    listeners.add(listener);
    for (const l of listeners) l();
    return () => {
      claims.splice(claims.indexOf(id), 1);
      listeners.delete(listener);
      for (const l of listeners) l();
    };
  }, []);
  return claims[0] === id;
}

export function TokenForm(props: { what: string }) {
  const first = useFirstOnPage();
  const [value, setValue] = useState("");
  const [problem, setProblem] = useState("");
  const refused = getToken() !== null;

  if (!first) {
    return (
      <div class="error-box" role="alert" data-testid="error">
        <strong>Could not load {props.what}.</strong> The server requires a token: enter it in the form on this
        page.
      </div>
    );
  }

  const save = (event: Event) => {
    event.preventDefault();
    const token = value.trim();
    if (!usableToken(token)) {
      setProblem("A token is printable ASCII without spaces.");
      return;
    }
    setToken(token);
    window.location.reload();
  };

  return (
    <form class="error-box token-form" role="alert" data-testid="token-required" onSubmit={save}>
      <strong>This server requires a token.</strong>
      {refused ? (
        <p data-testid="token-refused">
          The stored token was refused: it is wrong, or the server was restarted with another one. Enter the
          current token to load {props.what}.
        </p>
      ) : (
        <p>
          It was started with <code>agent-trace serve --auth-token</code>. Enter that token to load {props.what},
          or open a link ending in <code>#token=…</code>.
        </p>
      )}
      <div class="token-row">
        <input
          type="password"
          data-testid="token-input"
          aria-label="API token"
          placeholder="token"
          autocomplete="current-password"
          value={value}
          onInput={(e) => {
            setValue((e.currentTarget as HTMLInputElement).value);
            setProblem("");
          }}
        />
        <button type="submit" data-testid="token-save" disabled={!value.trim()}>
          Save and reload
        </button>
      </div>
      {problem ? <p class="bad">{problem}</p> : null}
      <p class="dim">
        Kept in this browser's local storage for this address only; “Sign out” in the top bar forgets it.
      </p>
    </form>
  );
}

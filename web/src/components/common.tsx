// Small building blocks shared by the pages.
import type { ComponentChildren } from "preact";
import { ApiError } from "../lib/api";
import { onLinkClick } from "../lib/router";
import { TokenForm } from "./TokenForm";

export function Link(props: {
  href: string;
  class?: string;
  title?: string;
  "data-testid"?: string;
  children: ComponentChildren;
}) {
  return (
    <a
      href={props.href}
      class={props.class}
      title={props.title}
      data-testid={props["data-testid"]}
      onClick={onLinkClick}
    >
      {props.children}
    </a>
  );
}

// The root of every page. `ready` becomes data-ready="1" once the page's first data is on
// screen: the browser tests and the load-time measurement wait for it.
export function Page(props: {
  name: string;
  title: string;
  ready: boolean;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="page" data-page={props.name} data-ready={props.ready ? "1" : "0"}>
      <header class="page-head">
        <h1>{props.title}</h1>
        {props.actions ? <div class="page-actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

// A refusal for want of the server's token (serve --auth-token) asks for it instead.
export function ErrorBox(props: { error: Error; what: string }) {
  if (props.error instanceof ApiError && props.error.status === 401) return <TokenForm what={props.what} />;
  return (
    <div class="error-box" role="alert" data-testid="error">
      <strong>Could not load {props.what}.</strong> {props.error.message}
    </div>
  );
}

export function Loading(props: { what: string }) {
  return (
    <div class="loading" aria-busy="true">
      Loading {props.what}…
    </div>
  );
}

// What a new user sees instead of an empty chart: what the page will show, and what to run.
export function EmptyState(props: { title: string; children: ComponentChildren }) {
  return (
    <div class="empty" data-testid="empty-state">
      <h2>{props.title}</h2>
      {props.children}
    </div>
  );
}

export function GettingStarted() {
  return (
    <div class="getting-started">
      <p>Import the transcripts Claude Code already wrote, and wire it up:</p>
      <pre>
        <code>
          agent-trace import{"\n"}
          agent-trace init{"\n"}
          agent-trace status
        </code>
      </pre>
      <p>
        <code>import</code> reads <code>~/.claude/projects</code>; <code>init</code> adds the hooks and
        OpenTelemetry settings so new sessions stream in live while <code>agent-trace serve</code> runs.
      </p>
    </div>
  );
}

// A headline number. `value` is the raw figure (data-value) so tests compare it with the API
// exactly, whatever the display rounding.
export function Stat(props: {
  label: string;
  display: string;
  value?: number | string | null;
  testid?: string;
  hint?: string;
  tone?: "warn" | "bad" | "good";
}) {
  return (
    <div class={`stat${props.tone ? ` stat-${props.tone}` : ""}`} title={props.hint}>
      <div class="stat-label">{props.label}</div>
      <div
        class="stat-value"
        data-testid={props.testid}
        data-value={props.value === undefined || props.value === null ? "" : String(props.value)}
      >
        {props.display}
      </div>
      {props.hint ? <div class="stat-hint">{props.hint}</div> : null}
    </div>
  );
}

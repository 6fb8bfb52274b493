import type { Child, FC } from "hono/jsx";
import type { View, ViewName } from "./views";

/**
 * The explorer's pages, rendered by the worker with hono/jsx: the shell
 * (header, navigation, project picker, sign-in form) and each view's static
 * skeleton (headings, filter forms, empty containers). The client module
 * (/ui/app.js, built from src/web/client) fills the containers from the API
 * with the keys kept in sessionStorage. Nothing here loads from another host.
 */

const TITLES: Record<ViewName, string> = {
  overview: "Overview",
  events: "Events",
  event: "Event",
  session: "Session",
  patterns: "Patterns",
  pattern: "Pattern",
  datasets: "Datasets",
  dataset: "Dataset",
  review: "Review queue",
};

const NAV: [string, string, ViewName[]][] = [
  ["/", "Overview", ["overview"]],
  ["/events", "Events", ["events", "event", "session"]],
  ["/patterns", "Patterns", ["patterns", "pattern"]],
  ["/datasets", "Datasets", ["datasets", "dataset"]],
  ["/review", "Review", ["review"]],
];

const Card: FC<{ title: string; class?: string; children?: Child }> = ({ title, class: cls, children }) => (
  <article class={`card ${cls ?? ""}`.trim()}>
    <h2>{title}</h2>
    {children}
  </article>
);

const SignIn: FC = () => (
  <section id="signin" class="card signin" hidden aria-labelledby="signin-title">
    <h2 id="signin-title">Sign in</h2>
    <p id="signin-message">Paste a project key to browse its events, or the admin token for the overview.</p>
    <form id="signin-form" autocomplete="off">
      <label for="signin-key">Project key</label>
      <input id="signin-key" name="key" type="password" autocomplete="off" placeholder="glk_…" />
      <label for="signin-admin">Admin token</label>
      <input id="signin-admin" name="admin" type="password" autocomplete="off" placeholder="admin token" />
      <button type="submit">Sign in</button>
    </form>
    <p class="muted">
      <code>npm start</code> prints where the admin token is (<code>.gleaner/admin-token</code>, or <code>GLEANER_ADMIN_TOKEN</code>) and how to make a project
      key. Both are kept for this tab only (sessionStorage: a reload keeps them, closing the tab forgets them, nothing is written to disk) and are only sent to
      this Gleaner.
    </p>
  </section>
);

const Overview: FC = () => (
  <>
    <section class="tiles" aria-label="totals">
      {(
        [
          ["Received", "received", "received-rate"],
          ["Processed", "processed", "processed-rate"],
          ["Rejected", "rejected", null],
          ["Duplicates", "duplicates", null],
          ["Errors", "errors", "dead-letters"],
          ["Refused (429)", "refused", null],
        ] as const
      ).map(([title, id, sub]) => (
        <div class="tile">
          <h3>{title}</h3>
          <div class="big" id={id}>
            –
          </div>
          <div class="sub" id={sub ?? undefined}>
            {sub ? "" : id === "rejected" ? "invalid events" : id === "duplicates" ? "already stored" : "backpressure"}
          </div>
        </div>
      ))}
    </section>
    <section class="grid">
      <Card title="Throughput" class="wide">
        <p class="sub" id="throughput-window" />
        <div class="chart" id="throughput-chart" />
        <p class="legend">
          <span class="key received" />
          received/s <span class="key processed" />
          processed/s
        </p>
      </Card>
      <Card title="Lag">
        <div class="big" id="lag">
          –
        </div>
        <div class="sub" id="lag-detail">
          oldest accepted event not yet processed
        </div>
        <div class="chart" id="lag-chart" />
      </Card>
      <Card title="Backlog">
        <div class="big" id="backlog">
          –
        </div>
        <div class="sub" id="backlog-detail" />
        <div class="chart" id="backlog-chart" />
      </Card>
      <Card title="Score distribution" class="wide">
        <div class="chart" id="score-chart" />
      </Card>
      <Card title="History, last 24 h" class="full">
        <p class="sub" id="history-status" />
        <div class="history" id="history" />
      </Card>
      <Card title="Cron jobs" class="wide">
        <table id="jobs">
          <thead>
            <tr>
              <th scope="col">job</th>
              <th scope="col">last success</th>
              <th scope="col">last run</th>
              <th scope="col" class="num">
                runs
              </th>
              <th scope="col" class="num">
                failures
              </th>
              <th scope="col">last result</th>
            </tr>
          </thead>
          <tbody />
        </table>
      </Card>
      <Card title="Circuit breakers">
        <ul class="checks" id="breakers" />
      </Card>
      <Card title="Readiness" class="tall">
        <ul class="checks" id="checks" />
      </Card>
      <Card title="Recent patterns" class="wide">
        <ul class="items" id="patterns" />
      </Card>
      <Card title="Datasets" class="wide">
        <ul class="items" id="datasets" />
      </Card>
    </section>
  </>
);

const Field: FC<{ id: string; label: string; children: Child }> = ({ id, label, children }) => (
  <div class="field">
    <label for={id}>{label}</label>
    {children}
  </div>
);

const Choice: FC<{ id: string; label: string; options: [string, string][] }> = ({ id, label, options }) => (
  <Field id={id} label={label}>
    <select id={id} name={id.replace(/^f-/, "")}>
      {options.map(([value, text]) => (
        <option value={value}>{text}</option>
      ))}
    </select>
  </Field>
);

const YES_NO: [string, string][] = [
  ["", "any"],
  ["true", "yes"],
  ["false", "no"],
];

const Events: FC = () => (
  <>
    <form id="filters" class="card filters" aria-label="Event filters" autocomplete="off">
      <div class="search-row">
        <label for="f-q">Search</label>
        <input id="f-q" name="q" type="search" placeholder="words of the conversation; Enter searches" />
      </div>
      <div class="filter-grid">
        <Field id="f-source" label="Source">
          <input id="f-source" name="source" />
        </Field>
        <Field id="f-type" label="Type">
          <input id="f-type" name="type" />
        </Field>
        <Field id="f-model" label="Model">
          <input id="f-model" name="model" />
        </Field>
        <Choice
          id="f-outcome"
          label="Outcome"
          options={[
            ["", "any"],
            ["success", "success"],
            ["partial", "partial"],
            ["failure", "failure"],
            ["unknown", "unknown"],
          ]}
        />
        <Field id="f-session_id" label="Session">
          <input id="f-session_id" name="session_id" />
        </Field>
        <Field id="f-min_value" label="Min value">
          <input id="f-min_value" name="min_value" type="number" min="0" max="1" step="0.05" />
        </Field>
        <Field id="f-max_value" label="Max value">
          <input id="f-max_value" name="max_value" type="number" min="0" max="1" step="0.05" />
        </Field>
        <Choice id="f-high_value" label="High value" options={YES_NO} />
        <Choice id="f-has_feedback" label="Has feedback" options={YES_NO} />
        <Field id="f-from" label="From">
          <input id="f-from" name="from" type="datetime-local" step="1" />
        </Field>
        <Field id="f-to" label="To">
          <input id="f-to" name="to" type="datetime-local" step="1" />
        </Field>
      </div>
      <div class="actions">
        <button type="submit">Apply filters</button>
        <button type="reset" class="secondary">
          Clear
        </button>
      </div>
    </form>
    <section class="card">
      <p class="sub" id="list-status" aria-live="polite" />
      <table id="events-table" class="list">
        <thead>
          <tr>
            <th scope="col">time</th>
            <th scope="col">source</th>
            <th scope="col">model</th>
            <th scope="col">first user text</th>
            <th scope="col">outcome</th>
            <th scope="col" class="num">
              value
            </th>
            <th scope="col" class="num">
              confidence
            </th>
            <th scope="col">feedback</th>
            <th scope="col">high value</th>
          </tr>
        </thead>
        <tbody />
      </table>
      <button id="more" type="button" class="secondary" hidden>
        More
      </button>
      <p class="muted">Keyboard: j / k or ↓ / ↑ move between rows, Enter opens one.</p>
    </section>
  </>
);

const Event: FC = () => (
  <section class="grid">
    <Card title="Conversation" class="wide">
      <div id="conversation" />
    </Card>
    <Card title="Score">
      <div id="score" aria-live="polite" />
      <form id="rate-form" class="rate" autocomplete="off">
        <label for="correction">Correction (optional: the better answer)</label>
        <textarea id="correction" rows={3} />
        <div class="actions">
          <button type="button" data-rating="1">
            Rate good
          </button>
          <button type="button" data-rating="0" class="secondary">
            Rate neutral
          </button>
          <button type="button" data-rating="-1" class="danger">
            Rate bad
          </button>
        </div>
        <p class="sub" id="rate-status" aria-live="polite" />
      </form>
    </Card>
    <Card title="Details">
      <dl id="meta" class="meta-list" />
    </Card>
    <Card title="Feedback history">
      <ul class="items" id="feedback" aria-live="polite" />
    </Card>
    <Card title="Fed into">
      <h3>Patterns</h3>
      <ul class="items" id="lineage-patterns" />
      <h3>Dataset examples</h3>
      <ul class="items" id="lineage-examples" />
    </Card>
    <Card title="Raw JSON" class="full">
      <details>
        <summary>Show the stored event</summary>
        <pre id="raw" class="raw" />
      </details>
    </Card>
  </section>
);

const Session: FC = () => (
  <section class="card">
    <p class="sub" id="list-status" aria-live="polite" />
    <ol id="timeline" class="timeline" />
    <button id="more" type="button" class="secondary" hidden>
      More
    </button>
  </section>
);

const Patterns: FC = () => (
  <section class="card">
    <form id="pattern-sort" class="inline" autocomplete="off">
      <label for="sort">Sort by</label>
      <select id="sort" name="sort">
        <option value="support">support</option>
        <option value="quality">quality</option>
        <option value="last_seen">last seen</option>
      </select>
    </form>
    <p class="sub" id="list-status" aria-live="polite" />
    <table id="patterns-table" class="list">
      <thead>
        <tr>
          <th scope="col">problem</th>
          <th scope="col">lesson</th>
          <th scope="col" class="num">
            support
          </th>
          <th scope="col" class="num">
            quality
          </th>
          <th scope="col">last seen</th>
        </tr>
      </thead>
      <tbody />
    </table>
    <button id="more" type="button" class="secondary" hidden>
      More
    </button>
  </section>
);

const Pattern: FC = () => (
  <section class="grid">
    <Card title="Pattern" class="wide">
      <dl id="pattern" class="meta-list" />
    </Card>
    <Card title="Evidence">
      <p class="sub">The exemplar and every event merged into this pattern.</p>
      <ul class="items" id="evidence" />
    </Card>
  </section>
);

const Datasets: FC = () => (
  <section class="card">
    <ul class="items" id="dataset-list" />
  </section>
);

const Dataset: FC = () => (
  <section class="grid">
    <Card title="Snapshots" class="wide">
      <table id="snapshots" class="list">
        <thead>
          <tr>
            <th scope="col">version</th>
            <th scope="col">created</th>
            <th scope="col" class="num">
              examples
            </th>
            <th scope="col" class="num">
              train
            </th>
            <th scope="col" class="num">
              validation
            </th>
            <th scope="col" class="num">
              size
            </th>
          </tr>
        </thead>
        <tbody />
      </table>
    </Card>
    <Card title="Downloads">
      <form class="inline" autocomplete="off">
        <label for="version">Snapshot</label>
        <select id="version" name="version" />
      </form>
      <ul class="downloads" id="downloads" />
      <p class="sub" id="download-status" aria-live="polite" />
    </Card>
    <Card title="Diff against the previous snapshot" class="wide">
      <div id="diff" />
    </Card>
    <Card title="Dataset card">
      <pre id="card" class="raw" />
    </Card>
    <Card title="Examples" class="full">
      <p class="sub" id="examples-status" aria-live="polite" />
      <table id="examples" class="list">
        <thead>
          <tr>
            <th scope="col">first user text</th>
            <th scope="col">kind</th>
            <th scope="col">split</th>
            <th scope="col" class="num">
              value
            </th>
            <th scope="col">events</th>
            <th scope="col">state</th>
          </tr>
        </thead>
        <tbody />
      </table>
      <button id="more" type="button" class="secondary" hidden>
        More
      </button>
    </Card>
  </section>
);

const Review: FC = () => (
  <section class="card review">
    <p class="sub" id="list-status" aria-live="polite" />
    <div id="review-item" tabindex={-1} />
    <div class="actions">
      <button type="button" data-rating="1">
        Rate good
      </button>
      <button type="button" data-rating="0" class="secondary">
        Rate neutral
      </button>
      <button type="button" data-rating="-1" class="danger">
        Rate bad
      </button>
      <button type="button" id="skip" class="secondary">
        Skip
      </button>
    </div>
    <p class="muted" id="shortcuts">
      Keyboard: <kbd>g</kbd> or <kbd>1</kbd> rates good, <kbd>n</kbd> or <kbd>0</kbd> neutral, <kbd>b</kbd> or <kbd>-</kbd> bad, <kbd>s</kbd> or <kbd>→</kbd>{" "}
      skips, <kbd>o</kbd> opens the event.
    </p>
  </section>
);

const BODIES: Record<ViewName, FC> = {
  overview: Overview,
  events: Events,
  event: Event,
  session: Session,
  patterns: Patterns,
  pattern: Pattern,
  datasets: Datasets,
  dataset: Dataset,
  review: Review,
};

const Shell: FC<{ view: View }> = ({ view }) => {
  const Body = BODIES[view.name];
  const title = view.id ? `${TITLES[view.name]} ${view.id}` : TITLES[view.name];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${title} · Gleaner`}</title>
        <link rel="icon" href="/ui/icon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/ui/app.css" />
        <script src="/ui/app.js" defer />
      </head>
      <body>
        <a class="skip-link" href="#content">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            <img src="/ui/icon.svg" alt="" width="22" height="22" /> Gleaner
          </a>
          <nav aria-label="pages">
            {NAV.map(([href, text, views]) => (
              <a href={href} aria-current={views.includes(view.name) ? "page" : undefined}>
                {text}
              </a>
            ))}
          </nav>
          <span id="readiness" class="pill" title="GET /readyz" hidden />
          <span id="updated" class="muted" />
          <label for="project-picker" class="picker-label">
            Project
          </label>
          <select id="project-picker" />
          <button id="add-key" type="button" class="link">
            Add key
          </button>
          <button id="sign-out" type="button" class="link">
            Sign out
          </button>
        </header>
        <main id="content">
          <h1 id="title">{title}</h1>
          <SignIn />
          <div id="app" data-view={view.name} data-id={view.id ?? ""}>
            <Body />
          </div>
        </main>
      </body>
    </html>
  );
};

/** The whole page for a view, as HTML. */
export function renderPage(view: View): string {
  return `<!doctype html>\n${(<Shell view={view} />).toString()}`;
}

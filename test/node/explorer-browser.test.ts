import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, createKey, PROJECT_DIR, startProcess, tempDataDir, waitFor, type GleanerProcess } from "./gleaner-process";
import { stopGleaner } from "./ops-helpers";

/**
 * The explorer (src/web) in headless Chromium against a real Gleaner: every
 * page loads with no console error and no request to another host; a filter
 * narrows the events list; a search finds an event by a word of its answer;
 * an event shows its score contributions; "Rate bad" changes its value; a
 * dataset diff lists the example added between two snapshots. Screenshots of
 * each page go to docs/screenshots.
 */
const CHROMIUM = "/usr/bin/chromium";
const ADMIN_TOKEN = "node-test-admin-token";
const SHOTS = join(PROJECT_DIR, "docs/screenshots");
const playwright = await import("playwright-core").catch(() => undefined);
const skip = !existsSync(CHROMIUM)
  ? `skipped: ${CHROMIUM} not installed (apt-get install -y chromium)`
  : !playwright
    ? "skipped: playwright-core not installed (npm install)"
    : undefined;
if (skip) console.warn(skip);

/** An event that qualifies for the default dataset (test/workers/datasets.test.ts): success, rated good, long enough. */
const good = (id: string, source: string, query: string, response: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "agent_step_complete",
  source,
  timestamp: new Date().toISOString(),
  session_id: "sess-explorer",
  model: "fake-model",
  query,
  response,
  outcome: "success",
  feedback: 1,
  tokens_in: 500,
  tokens_out: 900,
  ...extra,
});

const SEARCH_WORD = "zanzibarquux";
const EVENTS = [
  good("ex-1", "alpha-agent", "How do I make journald keep less than 1 GB?", "Set SystemMaxUse=1G in journald.conf and restart systemd-journald."),
  good("ex-2", "alpha-agent", "Which port does Qdrant listen on?", "6333 for HTTP and 6334 for gRPC."),
  good("ex-3", "beta-agent", "How do I rename a git branch?", `Run git branch -m old new, then push with ${SEARCH_WORD} care.`),
  // Rated nothing yet: "Rate bad" moves its value.
  good("ex-4", "beta-agent", "How do I list open ports on Linux?", "Use ss -tlnp to list listening TCP sockets with their processes.", { feedback: undefined }),
];
/** No outcome and no feedback: its value is unknown, so it waits in the review queue. */
const UNRATED = {
  ...good("ex-6", "gamma-agent", "What does the sticky bit do?", "It keeps others from deleting files in a shared directory.", {
    feedback: undefined,
    outcome: undefined,
  }),
  session_id: undefined,
};
const ADDED = good("ex-5", "alpha-agent", "How do I list failed systemd units?", "Run systemctl --failed to list units that failed to start.");

describe.skipIf(skip)("the explorer in headless Chromium", () => {
  let gleaner: GleanerProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let key = "";
  const problems: string[] = [];
  const outside: string[] = [];

  const auth = () => ({ Authorization: `Bearer ${key}`, "Content-Type": "application/json" });
  const base = () => gleaner!.base;

  async function post(path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
    const res = await fetch(`${base()}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
    return res;
  }

  async function scored(id: string): Promise<void> {
    await waitFor(async () => ((await fetch(`${base()}/v1/events/${id}/score`, { headers: auth() })).status === 200 ? true : undefined), 30_000);
  }

  async function shot(name: string): Promise<void> {
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  /** The text of an element once it matches `pattern`. */
  function textWhen(selector: string, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    return waitFor(async () => {
      const text = (await page.textContent(selector)) ?? "";
      return pattern.test(text) ? text : undefined;
    }, timeoutMs);
  }

  /** Opens a path in the one tab (sessionStorage is per tab), checking nothing went wrong. */
  async function open(path: string): Promise<void> {
    await page.goto(`${base()}${path}`);
    await page.waitForLoadState("networkidle");
  }

  beforeAll(async () => {
    gleaner = await startProcess(tempDataDir());
    key = await createKey(gleaner.base, "explorer-test");
    await post("/v1/events", { events: [...EVENTS, UNRATED] }, auth());
    for (const e of [...EVENTS, UNRATED]) await scored(e.id);
    await post("/v1/admin/jobs/datasets/run", {}, ADMIN);
    await post("/v1/datasets/default/snapshots", undefined, auth());
    await post("/v1/events", { events: [ADDED] }, auth());
    await scored(ADDED.id);
    await post("/v1/admin/jobs/datasets/run", {}, ADMIN);
    await post("/v1/datasets/default/snapshots", undefined, auth());

    mkdirSync(SHOTS, { recursive: true });
    browser = await playwright!.chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      timeout: 30_000,
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on("console", (m) => m.type() === "error" && problems.push(`${page.url()}: console: ${m.text()}`));
    page.on("pageerror", (e) => problems.push(`${page.url()}: page error: ${e.message}`));
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname) && url.protocol !== "blob:" && url.protocol !== "data:") outside.push(r.url());
    });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await stopGleaner(gleaner);
  });

  it("serves every view's path with the page shell and a self-only CSP", async () => {
    for (const path of ["/", "/events", "/events/ex-1", "/sessions/sess-explorer", "/patterns", "/patterns/p-1", "/datasets", "/datasets/default", "/review"]) {
      const res = await fetch(`${base()}${path}`);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toMatch(/https?:|\*|unsafe-inline|unsafe-eval/);
      const html = await res.text();
      expect(html).toContain('<script src="/ui/app.js"');
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
    expect((await fetch(`${base()}/review/nothing-here`)).status).toBe(404);
  });

  it("signs in with a project key and the admin token, kept in sessionStorage only", async () => {
    await open("/events");
    await page.waitForSelector("#signin:not([hidden])");
    await page.getByLabel("Project key").fill(key);
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForSelector("#signin", { state: "hidden" });
    // The picker names the key by its project (from the audit log, with the admin token).
    expect(await page.textContent("#project-picker")).toContain("explorer-test");
    expect(await page.evaluate("({ ...localStorage })")).toEqual({});
    expect(await page.evaluate("({ ...sessionStorage })")).toMatchObject({ "gleaner.adminToken": ADMIN_TOKEN, "gleaner.projectKey": key });
  });

  it("lists events; a filter narrows the list; a search finds an event by a word of its answer", async () => {
    await open("/events");
    const rows = page.locator("#events-table tbody tr");
    await waitFor(async () => ((await rows.count()) === 6 ? true : undefined), 15_000);
    await shot("events");

    await page.getByLabel("Source").fill("beta-agent");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await waitFor(async () => ((await rows.count()) === 2 ? true : undefined), 15_000);
    expect(page.url()).toContain("source=beta-agent");
    // The filtered list is a link: a reload shows the same.
    await page.reload();
    await waitFor(async () => ((await rows.count()) === 2 ? true : undefined), 15_000);

    await page.getByRole("button", { name: "Clear" }).click();
    await waitFor(async () => ((await rows.count()) === 6 ? true : undefined), 15_000);
    await page.getByLabel("Search").fill(SEARCH_WORD);
    await page.getByLabel("Search").press("Enter");
    await waitFor(async () => ((await rows.count()) === 1 ? true : undefined), 15_000);
    expect(await page.locator("#events-table tbody a.row-link").getAttribute("href")).toBe("/events/ex-3");
    await shot("events-search");
  });

  it("opens an event: its conversation and each score component with weight and contribution", async () => {
    await open("/events/ex-3");
    await page.waitForSelector("#breakdown");
    const breakdown = (await page.textContent("#breakdown")) ?? "";
    for (const component of ["outcome", "feedback", "reusability", "complexity", "novelty", "quality"]) expect(breakdown).toContain(component);
    expect(breakdown).toContain("contribution");
    expect(breakdown).toContain("weight");
    expect(await page.textContent("#conversation")).toContain(SEARCH_WORD);
    expect(await page.textContent("#meta")).toContain("sess-explorer");
    await shot("event");
  });

  it("rates an event bad: its value changes within seconds", async () => {
    await open("/events/ex-4");
    await page.waitForSelector("#score-value");
    const before = await page.textContent("#score-value");
    await page.getByRole("button", { name: "Rate bad" }).click();
    await page.waitForSelector("#score-changed", { timeout: 30_000 });
    expect(await page.textContent("#score-value")).not.toBe(before);
    expect(await page.textContent("#rate-status")).toMatch(/now .* \(was /);
  });

  it("shows an event's feedback history after Rate good, and its dataset example", async () => {
    await open("/events/ex-1");
    await textWhen("#lineage-examples", /default/);
    expect(await page.getAttribute("#lineage-examples a", "href")).toBe("/datasets/default");
    expect(await page.textContent("#feedback")).toContain("sent with the event");
    await page.getByRole("button", { name: "Rate good" }).click();
    await textWhen("#feedback", /rated good \(\+1\)/);
    expect(await page.locator("#feedback li.feedback-entry").count()).toBe(1);
  });

  it("shows a session's timeline, the patterns and a pattern's evidence", async () => {
    await open("/sessions/sess-explorer");
    await waitFor(async () => ((await page.locator("#timeline li").count()) === 5 ? true : undefined), 15_000);
    await shot("session");

    await open("/patterns");
    await textWhen("#list-status", /./);
    await shot("patterns");
    const first = page.locator("#patterns-table tbody a.row-link").first();
    if ((await first.count()) > 0) {
      await first.click();
      await page.waitForURL(/\/patterns\/.+/);
      await page.waitForSelector("#evidence li a");
      await shot("pattern");
    }
  });

  it("shows a dataset: snapshots, the diff with the added example, downloads and the card", async () => {
    await open("/datasets");
    await page.waitForSelector("#dataset-list a");
    await open("/datasets/default");
    const diff = await waitFor(async () => {
      const text = (await page.textContent("#diff")) ?? "";
      return text.includes("Added") ? text : undefined;
    }, 15_000);
    expect(diff).toContain(ADDED.query);
    expect(await page.locator("#diff a[href='/events/ex-5']").count()).toBe(1);
    expect(await page.textContent("#card")).toMatch(/---/);
    expect(await page.locator("#downloads button").count()).toBe(10);
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download openai-chat train" }).click();
    expect((await download).suggestedFilename()).toBe("default-v2-openai-chat-train.jsonl");
    await shot("dataset");
  });

  it("shows the review queue, rated from the keyboard", async () => {
    await open("/review");
    await page.waitForSelector("#review-item h3");
    expect(await page.textContent("#shortcuts")).toContain("g");
    await shot("review");
    expect(await page.textContent("#review-item h3")).toBe(UNRATED.id);
    expect(await page.textContent("#review-item")).toContain("value unknown");
    // "b" rates it bad: it leaves the queue (GET /v1/review no longer lists it).
    await page.keyboard.press("b");
    await textWhen("#review-item", /Queue empty/);
    const queue = (await (await fetch(`${base()}/v1/review`, { headers: auth() })).json()) as { events: { event_id: string }[] };
    expect(queue.events.map((e) => e.event_id)).not.toContain(UNRATED.id);
  });

  it("shows the overview with the admin token", async () => {
    await open("/");
    await textWhen("#received", /^6$/);
    await page.waitForSelector("#history figure");
    await shot("overview");
  });

  it("logged no console error and made no request to another host on any page", () => {
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
  });
});

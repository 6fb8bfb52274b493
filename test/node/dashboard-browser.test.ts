import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, PROJECT_DIR, startProcess, tempDataDir, waitFor, type GleanerProcess } from "./gleaner-process";
import { sendEvents, stopGleaner } from "./ops-helpers";

const CHROMIUM = "/usr/bin/chromium";
const ADMIN_TOKEN = "node-test-admin-token";
const playwright = await import("playwright-core").catch(() => undefined);
const skip = !existsSync(CHROMIUM)
  ? `skipped: ${CHROMIUM} not installed (apt-get install -y chromium)`
  : !playwright
    ? "skipped: playwright-core not installed (npm install)"
    : undefined;
if (skip) console.warn(skip);

/** Text of an element once it matches `pattern`. */
function textWhen(page: Page, selector: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return waitFor(async () => {
    const text = (await page.textContent(selector)) ?? "";
    return pattern.test(text) ? text : undefined;
  }, timeoutMs);
}

/** What a Web Storage area of the page's origin holds (a string evaluated in the page: Node has no DOM types). */
function storage(page: Page, area: "localStorage" | "sessionStorage"): Promise<Record<string, string>> {
  return page.evaluate(`({ ...${area} })`);
}

describe.skipIf(skip)("the explorer's overview at GET / in headless Chromium", () => {
  let gleaner: GleanerProcess | undefined;
  let browser: Browser | undefined;
  let key = "";
  let sent = 0;

  beforeAll(async () => {
    gleaner = await startProcess(tempDataDir());
    key = await createKey(gleaner.base, "dashboard-test");
    expect(await sendEvents(gleaner.base, key, "dash-a", 80)).toBe(202);
    sent += 80;
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
  });

  /** A fresh page that records console errors, page errors and any request to another origin. */
  async function watchedPage() {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    const outside: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => !r.url().startsWith(gleaner!.base) && outside.push(r.url()));
    return { context, page, problems, outside };
  }

  afterAll(async () => {
    await browser?.close();
    await stopGleaner(gleaner);
  });

  it("is served with a CSP that allows only its own origin", async () => {
    const res = await fetch(`${gleaner!.base}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:|\*|unsafe-inline|unsafe-eval/);
    const html = await res.text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const asset of ["/ui/app.js", "/ui/app.css", "/ui/icon.svg"]) expect((await fetch(`${gleaner!.base}${asset}`)).status).toBe(200);
  });

  it("asks for the admin token, and asks again when it is refused", async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    await page.goto(`${gleaner!.base}/`);
    await page.waitForSelector("#signin:not([hidden])");
    expect(await page.textContent("#signin-message")).toContain("Paste the admin token");
    await page.fill("#signin-admin", "not-the-token");
    await page.click("#signin-form button");
    expect(await textWhen(page, "#signin-message", /refused/)).toContain("401");
    expect(await page.isHidden("#app")).toBe(true);
    await context.close();
  });

  it("renders recent patterns and datasets when the overview carries them, as text", async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    await page.route("**/v1/admin/overview", async (route) => {
      const response = await route.fetch();
      const overview = (await response.json()) as Record<string, unknown>;
      overview.recent_patterns = [
        {
          id: "p-1",
          problem: "Rotate logs without losing lines <script>",
          lesson: "Use copytruncate.",
          extractor: "heuristic",
          value: 0.82,
          skills: ["ops"],
          created_at: new Date().toISOString(),
        },
      ];
      overview.datasets = [{ name: "sft-main", version: 3, examples: 1200, size_bytes: 3_400_000, updated_at: new Date().toISOString() }];
      await route.fulfill({ response, json: overview });
    });
    await page.goto(`${gleaner!.base}/`);
    await page.fill("#signin-admin", ADMIN_TOKEN);
    await page.click("#signin-form button");
    expect(await textWhen(page, "#patterns", /Rotate logs/)).toContain("Rotate logs without losing lines <script>");
    expect(await page.textContent("#patterns")).toContain("value 0.82");
    expect(await page.locator("#patterns script").count()).toBe(0);
    const datasets = await page.textContent("#datasets");
    expect(datasets).toContain("sft-main");
    expect(datasets).toContain("3.2 MiB");
    expect(datasets).toContain("examples 1,200");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows live numbers after events are sent, keeps the token, makes no outside request and logs no console error", async () => {
    const { context, page, problems, outside } = await watchedPage();

    await page.goto(`${gleaner!.base}/?every=1`);
    await page.fill("#signin-admin", ADMIN_TOKEN);
    await page.click("#signin-form button");
    expect(await textWhen(page, "#received", /^80$/)).toBe("80");

    // More events while the page polls, so throughput moves between polls.
    for (const [batch, count] of [
      ["dash-b", 60],
      ["dash-c", 150],
      ["dash-d", 90],
    ] as const) {
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await sendEvents(gleaner!.base, key, batch, count)).toBe(202);
      sent += count;
    }
    expect(sent).toBe(380);
    expect(await textWhen(page, "#received", /^380$/)).toBe("380");
    expect(await textWhen(page, "#processed", /^380$/)).toBe("380");
    const built = await fetch(`${gleaner!.base}/v1/admin/jobs/datasets/run`, { method: "POST", headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(built.status).toBe(200);
    expect(await textWhen(page, "#readiness", /^readiness: /)).toMatch(/readiness: (ok|degraded)/);
    await page.waitForSelector("#throughput-chart polyline.received");
    expect(await page.locator("#score-chart rect.bar").count()).toBe(11);
    expect(await page.textContent("#jobs tbody")).toContain("relay");
    // High-value events among those sent become patterns; the panel lists them once distilled.
    expect(await textWhen(page, "#patterns", /How do I rotate logs/)).toContain("How do I rotate logs");
    expect(await textWhen(page, "#datasets", /default/)).toContain("default");

    await new Promise((r) => setTimeout(r, 2_000));
    mkdirSync(join(PROJECT_DIR, "docs"), { recursive: true });
    await page.screenshot({ path: join(PROJECT_DIR, "docs/dashboard.png"), fullPage: true });

    // The token is kept for this tab (sessionStorage), never in localStorage.
    expect(await storage(page, "localStorage")).toEqual({});
    expect(await storage(page, "sessionStorage")).toMatchObject({ "gleaner.adminToken": ADMIN_TOKEN });

    // The token survives a reload: no second prompt.
    await page.reload();
    expect(await textWhen(page, "#received", /^380$/)).toBe("380");
    expect(await page.isHidden("#signin")).toBe(true);
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
  it("keeps the admin token for this tab only: never in localStorage, shared with /docs, asked again in a new tab", async () => {
    const { context, page, problems } = await watchedPage();
    // A token an earlier version left in localStorage is forgotten on the first visit.
    await page.goto(`${gleaner!.base}/`);
    await page.evaluate(`localStorage.setItem("gleaner.adminToken", ${JSON.stringify(ADMIN_TOKEN)})`);
    await page.reload();
    await page.waitForSelector("#signin:not([hidden])");
    expect(await page.textContent("#signin")).toContain("sessionStorage");
    expect(await storage(page, "localStorage")).toEqual({});

    await page.fill("#signin-admin", ADMIN_TOKEN);
    await page.click("#signin-form button");
    await page.waitForSelector("#app:not([hidden])");
    expect(await storage(page, "localStorage")).toEqual({});

    // Same tab, the API reference: the admin token is already filled in, and typing a project key stores it nowhere on disk.
    await page.goto(`${gleaner!.base}/docs`);
    expect(await page.inputValue("#adminToken")).toBe(ADMIN_TOKEN);
    await page.fill("#projectKey", "glk_typed_in_docs");
    expect(await storage(page, "localStorage")).toEqual({});
    expect(await storage(page, "sessionStorage")).toMatchObject({ "gleaner.projectKey": "glk_typed_in_docs" });

    // Another tab of the same browser asks again.
    const other = await context.newPage();
    await other.goto(`${gleaner!.base}/`);
    await other.waitForSelector("#signin:not([hidden])");
    expect(await other.isHidden("#app")).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("serves the API reference at /docs: it renders every operation offline, with no console error", async () => {
    const { context, page, problems, outside } = await watchedPage();
    await page.goto(`${gleaner!.base}/docs`);
    expect(await textWhen(page, "#version", /OpenAPI 3\.1/)).toContain("OpenAPI 3.1");
    expect(await page.locator("details.op").count()).toBeGreaterThan(30);
    expect(await page.textContent("#operations")).toContain("/v1/events");
    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
    await context.close();
  });
});

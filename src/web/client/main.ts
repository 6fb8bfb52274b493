import { UNAUTHORIZED, api } from "./api";
import { byId, fill, h } from "./dom";
import { renderDatasetPage, renderDatasetsPage } from "./datasets";
import { renderEventPage } from "./event";
import { renderEventsPage } from "./events";
import { renderOverviewPage } from "./overview";
import { renderPatternPage, renderPatternsPage } from "./patterns";
import { renderReviewPage } from "./review";
import { renderSessionPage } from "./session";
import {
  addProjectKey,
  adminToken,
  forgetLegacyCopies,
  forgetProjectKey,
  keyId,
  projectKey,
  projectKeys,
  selectProjectKey,
  setAdminToken,
  signOut,
} from "./storage";

/**
 * The explorer's entry point (/ui/app.js): the view the worker named in
 * #app's data-view, the sign-in form, the project picker, and the
 * credential each view needs (the overview: the admin token; every other
 * view: a project key).
 */
type Need = "admin" | "project";

const VIEWS: Record<string, { need: Need; render: (id: string) => unknown }> = {
  overview: { need: "admin", render: () => renderOverviewPage() },
  events: { need: "project", render: () => renderEventsPage() },
  event: { need: "project", render: (id) => renderEventPage(id) },
  session: { need: "project", render: (id) => renderSessionPage(id) },
  patterns: { need: "project", render: () => renderPatternsPage() },
  pattern: { need: "project", render: (id) => renderPatternPage(id) },
  datasets: { need: "project", render: () => renderDatasetsPage() },
  dataset: { need: "project", render: (id) => renderDatasetPage(id) },
  review: { need: "project", render: () => renderReviewPage() },
};

const root = byId("app");
const view = VIEWS[root.dataset.view ?? ""] ?? { need: "admin", render: () => renderOverviewPage() };
const id = root.dataset.id ?? "";
let started = false;

function has(need: Need): boolean {
  return need === "admin" ? adminToken() !== "" : projectKey() !== "";
}

function showSignIn(message: string, refused = false): void {
  const section = byId("signin");
  section.hidden = false;
  root.hidden = !started;
  const m = byId("signin-message");
  m.textContent = message;
  m.className = refused ? "refused" : "";
  byId(view.need === "admin" ? "signin-admin" : "signin-key").focus();
}

function hideSignIn(): void {
  byId("signin").hidden = true;
  root.hidden = false;
}

function picker(): void {
  const select = byId<HTMLSelectElement>("project-picker");
  const keys = projectKeys();
  const current = projectKey();
  fill(
    select,
    keys.length ? keys.map((k) => h("option", { value: k.key, selected: k.key === current }, k.label)) : h("option", { value: "" }, "no project key"),
  );
  select.disabled = keys.length < 2;
  byId("sign-out").hidden = keys.length === 0 && !adminToken();
}

/** The project a key belongs to, from the audit log when the admin token is known; else the key's id. */
async function labelOf(key: string): Promise<string> {
  const id = keyId(key);
  if (adminToken()) {
    try {
      const audit = await api<{ entries: { action: string; target: string; project: string | null }[] }>("/v1/admin/audit?limit=1000", "admin");
      const created = audit.entries.find((e) => e.action === "key.create" && e.target === id);
      if (created?.project) return created.project;
    } catch {
      // No label from the audit log: the key's id names it.
    }
  }
  return id ? `key ${id}` : "project key";
}

function start(): void {
  if (!has(view.need)) {
    showSignIn(view.need === "admin" ? "Paste the admin token to see this Gleaner's numbers." : "This page needs a project key.");
    return;
  }
  hideSignIn();
  if (started) return;
  started = true;
  view.render(id);
}

byId<HTMLFormElement>("signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const keyInput = byId<HTMLInputElement>("signin-key");
  const adminInput = byId<HTMLInputElement>("signin-admin");
  const admin = adminInput.value.trim();
  const key = keyInput.value.trim();
  if (admin) setAdminToken(admin);
  if (key) addProjectKey(key, await labelOf(key));
  keyInput.value = "";
  adminInput.value = "";
  picker();
  if (started) location.reload();
  else start();
});

byId<HTMLSelectElement>("project-picker").addEventListener("change", (e) => {
  selectProjectKey((e.target as HTMLSelectElement).value);
  location.reload();
});

byId("add-key").addEventListener("click", () => showSignIn("Add a project key (or the admin token). Keys already signed in stay in the project picker."));

byId("sign-out").addEventListener("click", () => {
  signOut();
  location.reload();
});

window.addEventListener(UNAUTHORIZED, (e) => {
  const { credential, message } = (e as CustomEvent<{ credential: string; message: string }>).detail;
  if (credential === "admin") {
    setAdminToken("");
    showSignIn(`Gleaner refused that admin token (401: ${message}). Paste it again.`, true);
  } else {
    forgetProjectKey(projectKey());
    showSignIn(`Gleaner refused that project key (401: ${message}). Paste it again.`, true);
  }
  root.hidden = true;
  picker();
});

forgetLegacyCopies();
picker();
start();

import { CHARTS_JS } from "./charts";
import { FORMAT_JS } from "./format";
import { LISTS_JS } from "./lists";
import { PANELS_JS } from "./panels";

/**
 * Browser code: the admin token (asked for once per tab, kept in sessionStorage),
 * polling of GET /v1/admin/overview and GET /readyz, and the history of
 * polls that rates and sparklines are computed from. `?every=N` polls every
 * N seconds (default 5).
 */
const MAIN_JS = String.raw`
// The admin token lives in sessionStorage, never localStorage: it survives a
// reload and carries over to /docs in the same tab, but is never written to
// disk and is gone when the tab closes, so a shared or stolen browser profile
// does not hold it. /docs (src/openapi/reference/app.ts) reads the same key.
var TOKEN_KEY = "gleaner.adminToken";
var KEEP = 120;
var everyMs = Math.max(1, Number(new URLSearchParams(location.search).get("every")) || 5) * 1000;
var history = [], overview = null, readiness = null, memoryToken = "", timer = null;

// Earlier versions kept the token in localStorage: forget that copy.
try { localStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage disabled */ }

function storedToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return memoryToken; }
}

function storeToken(t) {
  memoryToken = t;
  try { if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage disabled: memory only */ }
}

function showLogin(message, refused) {
  byId("dashboard").hidden = true;
  byId("change-token").hidden = true;
  byId("login").hidden = false;
  var m = byId("login-message");
  m.textContent = message;
  m.className = refused ? "refused" : "";
  byId("token").focus();
}

function showDashboard() {
  byId("login").hidden = true;
  byId("dashboard").hidden = false;
  byId("change-token").hidden = false;
}

function markUpdated(problem) {
  var el = byId("updated");
  el.className = problem ? "stale" : "muted";
  el.textContent = problem ? problem + (overview ? " · showing data from " + new Date(Date.parse(overview.now)).toLocaleTimeString("en-GB") : "")
    : "updated " + new Date().toLocaleTimeString("en-GB") + " · every " + everyMs / 1000 + " s";
}

async function pollReadiness() {
  var pill = byId("readiness");
  try {
    readiness = await (await fetch("/readyz", { cache: "no-store" })).json();
    pill.textContent = "readiness: " + readiness.status;
    pill.className = "pill " + readiness.status;
  } catch (e) {
    readiness = null;
    pill.textContent = "unreachable";
    pill.className = "pill failing";
  }
}

/** Adds a poll to the history; a counter that went down (a wiped database) restarts it. */
function record(o) {
  var point = { t: Date.parse(o.now), received: counter(o, "events_received_total"), processed: counter(o, "events_processed_total"),
    lag: o.backlog.lag_seconds, backlog: o.backlog.events };
  var prev = last(history);
  if (prev && (point.received < prev.received || point.t <= prev.t)) history = [];
  history.push(point);
  if (history.length > KEEP) history.shift();
}

async function pollOverview() {
  var token = storedToken();
  if (!token) {
    if (byId("login").hidden) showLogin("Paste the admin token to see this Gleaner's numbers.", false);
    return;
  }
  var res;
  try {
    res = await fetch("/v1/admin/overview", { headers: { Authorization: "Bearer " + token }, cache: "no-store" });
  } catch (e) {
    markUpdated("Gleaner is not answering");
    return;
  }
  if (res.status === 401) {
    storeToken("");
    showLogin("Gleaner refused that token (401). Paste the admin token again.", true);
    return;
  }
  if (!res.ok) {
    var body = await res.json().catch(function () { return null; });
    markUpdated("overview answered " + res.status + (body && body.error ? ": " + body.error.message : ""));
    return;
  }
  overview = await res.json();
  record(overview);
  showDashboard();
  markUpdated(null);
}

async function poll() {
  clearTimeout(timer);
  await Promise.all([pollReadiness(), pollOverview()]);
  if (overview && !byId("dashboard").hidden) renderOverview(overview, readiness, history, everyMs);
  renderChecks(readiness);
  timer = setTimeout(poll, everyMs);
}

byId("token-form").addEventListener("submit", function (e) {
  e.preventDefault();
  storeToken(byId("token").value.trim());
  byId("token").value = "";
  poll();
});

byId("change-token").addEventListener("click", function () {
  storeToken("");
  overview = null;
  history = [];
  showLogin("Paste another admin token.", false);
});

var resizeTimer = null;
window.addEventListener("resize", function () {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(function () { if (overview) renderOverview(overview, readiness, history, everyMs); }, 150);
});

poll();
`;

/** The dashboard's whole script, served as /ui/app.js. */
export const DASHBOARD_JS = `"use strict";\n(function () {\n${FORMAT_JS}\n${CHARTS_JS}\n${PANELS_JS}\n${LISTS_JS}\n${MAIN_JS}\n})();\n`;

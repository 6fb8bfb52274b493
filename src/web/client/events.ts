import { api, describeFailure, query } from "./api";
import { byId, fill, h, keyboardList, link, tbody } from "./dom";
import { clip, fmtNum, fmtTime } from "./format";
import type { EventRow } from "./types";

/**
 * The events list: GET /v1/events with the filters of the form and the
 * search box (Enter searches: the form submits), a page at a time ("More"
 * follows next_cursor). The filters live in the URL, so a filtered list is a
 * link and survives a reload.
 */
const FILTERS = ["q", "source", "type", "model", "outcome", "session_id", "min_value", "max_value", "high_value", "has_feedback", "from", "to"] as const;
const PAGE = 50;

/** datetime-local fields hold local time without a zone; the API takes ISO times. */
const isTime = (name: string) => name === "from" || name === "to";

function toIso(local: string): string {
  const t = new Date(local).getTime();
  return Number.isNaN(t) ? local : new Date(t).toISOString();
}

function toLocal(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const d = new Date(t - new Date(t).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

/** A search snippet: the API puts matched terms between <mark> and </mark> without escaping the text, so each part goes in as text. */
function snippet(text: string): (Node | string)[] {
  return text
    .split(/(<mark>[\s\S]*?<\/mark>)/)
    .map((part) => (part.startsWith("<mark>") && part.endsWith("</mark>") ? h("mark", {}, part.slice(6, -7)) : part));
}

export function row(e: EventRow): HTMLTableRowElement {
  const first = e.first_user ?? "";
  return h(
    "tr",
    {},
    h("td", { class: "time" }, link(`/events/${encodeURIComponent(e.id)}`, fmtTime(e.received_at), { class: "row-link" })),
    h("td", {}, e.source),
    h("td", {}, e.model ?? "–"),
    h("td", { class: "text" }, e.snippet ? snippet(e.snippet) : clip(first, 160)),
    h("td", {}, h("span", { class: `tag ${e.outcome ?? "unknown"}` }, e.outcome ?? "–")),
    h("td", { class: "num" }, fmtNum(e.value)),
    h("td", { class: "num" }, fmtNum(e.confidence)),
    h("td", {}, e.has_feedback ? "yes" : "–"),
    h("td", {}, e.high_value ? h("span", { class: "tag high" }, "high value") : "–"),
  );
}

export function renderEventsPage(): void {
  const form = byId<HTMLFormElement>("filters");
  const body = tbody("events-table");
  const more = byId<HTMLButtonElement>("more");
  const status = byId("list-status");
  let cursor: string | null = null;
  let shown = 0;

  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const el = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
    const v = params.get(name);
    if (el && v !== null) el.value = isTime(name) ? toLocal(v) : v;
  }

  function filters(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of FILTERS) {
      const el = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
      const v = el?.value.trim() ?? "";
      if (v) out[name] = isTime(name) ? toIso(v) : v;
    }
    return out;
  }

  async function load(reset: boolean): Promise<void> {
    const f = filters();
    if (reset) {
      cursor = null;
      shown = 0;
      history.replaceState(null, "", `/events${query(f)}`);
      status.textContent = "loading…";
    }
    more.hidden = true;
    try {
      const page = await api<{ events: EventRow[]; next_cursor: string | null }>(`/v1/events${query({ ...f, limit: PAGE, cursor })}`, "project");
      if (reset) fill(body);
      body.append(...page.events.map(row));
      shown += page.events.length;
      cursor = page.next_cursor;
      more.hidden = cursor === null;
      status.textContent =
        shown === 0
          ? "No event matches these filters."
          : `${shown} event${shown === 1 ? "" : "s"}${cursor ? " so far" : ""}${f.q ? `, best matches for “${f.q}” first` : ""}`;
      body.closest("table")?.setAttribute("data-count", String(shown));
    } catch (err) {
      if (reset) fill(body);
      status.textContent = describeFailure(err, "The events list (GET /v1/events)");
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void load(true);
  });
  form.addEventListener("reset", () => setTimeout(() => void load(true), 0));
  more.addEventListener("click", () => void load(false));
  keyboardList(byId("events-table"));
  void load(true);
}

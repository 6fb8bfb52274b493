import { api, describeFailure } from "./api";
import { byId, fill, h, keyboardList, link, note, tbody } from "./dom";
import { clip, fmtInt, fmtNum, fmtTime, fmtValue } from "./format";

/** GET /v1/patterns sorted by support, quality or last seen; a pattern's page shows its exemplar and evidence. */
interface Pattern {
  id: string;
  problem?: string;
  lesson?: string;
  approach?: string;
  support: number;
  quality: number | null;
  last_seen?: string;
  source_event_ids?: string[];
  exemplar_event_id?: string | null;
  [key: string]: unknown;
}

export function renderPatternsPage(): void {
  const sort = byId<HTMLSelectElement>("sort");
  const body = tbody("patterns-table");
  const more = byId<HTMLButtonElement>("more");
  const status = byId("list-status");
  let cursor: string | null = null;
  let shown = 0;
  const asked = new URLSearchParams(location.search).get("sort");
  if (asked) sort.value = asked;

  async function load(reset: boolean): Promise<void> {
    if (reset) {
      cursor = null;
      shown = 0;
      history.replaceState(null, "", `/patterns?sort=${sort.value}`);
    }
    more.hidden = true;
    try {
      const page = await api<{ patterns: Pattern[]; next_cursor: string | null }>(
        `/v1/patterns?sort=${sort.value}&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        "project",
      );
      if (reset) fill(body);
      body.append(
        ...page.patterns.map((p) =>
          h(
            "tr",
            {},
            h("td", {}, link(`/patterns/${encodeURIComponent(p.id)}`, clip(p.problem ?? p.id, 140), { class: "row-link" })),
            h("td", { class: "text" }, clip(p.lesson ?? "", 160)),
            h("td", { class: "num" }, fmtInt(p.support)),
            h("td", { class: "num" }, fmtNum(p.quality)),
            h("td", {}, fmtTime(p.last_seen)),
          ),
        ),
      );
      shown += page.patterns.length;
      cursor = page.next_cursor;
      more.hidden = cursor === null;
      status.textContent = shown === 0 ? "No pattern yet: patterns appear once high-value events are distilled." : `${shown} pattern${shown === 1 ? "" : "s"}`;
    } catch (err) {
      status.textContent = describeFailure(err, "The patterns list (GET /v1/patterns)");
    }
  }
  sort.addEventListener("change", () => void load(true));
  more.addEventListener("click", () => void load(false));
  keyboardList(byId("patterns-table"));
  void load(true);
}

export function renderPatternPage(id: string): void {
  void (async () => {
    try {
      const p = await api<Pattern>(`/v1/patterns/${encodeURIComponent(id)}`, "project");
      const pairs = Object.entries(p).filter(([k, v]) => k !== "source_event_ids" && k !== "schema_version" && v !== null && v !== undefined);
      fill(
        byId("pattern"),
        pairs.flatMap(([k, v]) => [
          h("dt", {}, k.replace(/_/g, " ")),
          h(
            "dd",
            {},
            k === "exemplar_event_id" ? link(`/events/${encodeURIComponent(String(v))}`, String(v)) : typeof v === "object" ? fmtValue(v) : String(v),
          ),
        ]),
      );
      const ids = p.source_event_ids ?? [];
      fill(
        byId("evidence"),
        ids.length
          ? ids.map((e) =>
              h("li", {}, link(`/events/${encodeURIComponent(e)}`, e), e === p.exemplar_event_id ? h("span", { class: "tag high" }, " exemplar") : null),
            )
          : h("li", { class: "none" }, "no evidence recorded"),
      );
    } catch (err) {
      fill(byId("pattern"), note(describeFailure(err, `Pattern ${id}`), "error"));
    }
  })();
}

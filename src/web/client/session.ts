import { api, describeFailure } from "./api";
import { byId, h, link } from "./dom";
import { clip, fmtNum, fmtTime, fmtValue } from "./format";
import type { Message } from "./types";

/** A session's events as a timeline, from GET /v1/sessions/{id}, a page at a time. */
interface SessionEvent {
  id: string;
  sequence: number;
  received_at: string;
  status: string;
  event: { type?: string; source?: string; outcome?: string; query?: string; messages?: Message[] };
  score: { value: number | null; confidence: number; high_value: boolean } | null;
  feedback: { rating: number; at: string }[];
}

function firstUser(e: SessionEvent["event"]): string {
  const m = (e.messages ?? []).find((x) => x.role === "user");
  if (m && typeof m.content === "string") return m.content;
  return e.query ?? "";
}

export function renderSessionPage(id: string): void {
  const list = byId("timeline");
  const more = byId<HTMLButtonElement>("more");
  const status = byId("list-status");
  let cursor: string | null = null;
  let shown = 0;

  async function load(): Promise<void> {
    more.hidden = true;
    try {
      const page = await api<{ events: SessionEvent[]; next_cursor: string | null }>(
        `/v1/sessions/${encodeURIComponent(id)}?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        "project",
      );
      list.append(
        ...page.events.map((e) =>
          h(
            "li",
            {},
            h("div", { class: "when" }, fmtTime(e.received_at)),
            h(
              "div",
              {},
              link(`/events/${encodeURIComponent(e.id)}`, `${e.event.type ?? "event"} ${e.id}`, { class: "row-link" }),
              h("div", { class: "text" }, clip(firstUser(e.event), 240)),
              h(
                "div",
                { class: "meta" },
                [
                  e.event.outcome ? `outcome ${e.event.outcome}` : "",
                  e.score
                    ? `value ${fmtNum(e.score.value)} · confidence ${fmtNum(e.score.confidence)}${e.score.high_value ? " · high value" : ""}`
                    : "not scored yet",
                  e.feedback.length ? `feedback ${e.feedback.map((f) => fmtValue(f.rating)).join(", ")}` : "",
                  e.status,
                ]
                  .filter(Boolean)
                  .join(" · "),
              ),
            ),
          ),
        ),
      );
      shown += page.events.length;
      cursor = page.next_cursor;
      more.hidden = cursor === null;
      status.textContent = `${shown} event${shown === 1 ? "" : "s"} in server order`;
    } catch (err) {
      status.textContent = describeFailure(err, `Session ${id}`);
    }
  }
  more.addEventListener("click", () => void load());
  void load();
}

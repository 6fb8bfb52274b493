import { api, describeFailure } from "./api";
import { byId, fill, h, link, note } from "./dom";
import { fmtNum, fmtTime } from "./format";

/**
 * The review queue (GET /v1/review), one event at a time. Keyboard: g or 1
 * rates good, n or 0 neutral, b or - bad, s or → skips, o opens the event.
 */
interface ReviewItem {
  event_id: string;
  reason: string;
  priority: number;
  value: number | null;
  confidence: number;
  query: string | null;
  received_at: string;
}

const KEYS: Record<string, number | "skip" | "open"> = { g: 1, "1": 1, n: 0, "0": 0, b: -1, "-": -1, s: "skip", ArrowRight: "skip", o: "open" };

export function renderReviewPage(): void {
  const box = byId("review-item");
  const status = byId("list-status");
  let queue: ReviewItem[] = [];
  let cursor: string | null = null;
  let done = 0;
  let busy = false;

  async function fetchMore(): Promise<void> {
    try {
      const page = await api<{ events: ReviewItem[]; next_cursor: string | null }>(
        `/v1/review?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        "project",
      );
      queue.push(...page.events);
      cursor = page.next_cursor;
    } catch (err) {
      status.textContent = describeFailure(err, "The review queue");
    }
  }

  function show(): void {
    const item = queue[0];
    if (!item) {
      fill(box, note(done ? `Queue empty: ${done} rated or skipped in this tab.` : "The queue is empty: nothing needs a rating now."));
      status.textContent = "";
      return;
    }
    status.textContent = `${queue.length}${cursor ? "+" : ""} in the queue · ${done} done`;
    fill(
      box,
      h("h3", {}, link(`/events/${encodeURIComponent(item.event_id)}`, item.event_id)),
      h("p", { class: "query" }, item.query ?? "(no query text)"),
      h(
        "p",
        { class: "meta" },
        `why: ${item.reason.replace(/_/g, " ")} · priority ${fmtNum(item.priority)} · value ${fmtNum(item.value)} · confidence ${fmtNum(item.confidence)} · received ${fmtTime(item.received_at)}`,
      ),
    );
    box.focus();
  }

  async function next(): Promise<void> {
    queue.shift();
    done++;
    if (queue.length === 0 && cursor) await fetchMore();
    show();
  }

  async function act(action: number | "skip" | "open"): Promise<void> {
    const item = queue[0];
    if (!item || busy) return;
    if (action === "open") {
      location.href = `/events/${encodeURIComponent(item.event_id)}`;
      return;
    }
    busy = true;
    try {
      if (action !== "skip") await api("/v1/feedback", "project", "POST", { event_id: item.event_id, rating: action });
      await next();
    } catch (err) {
      status.textContent = describeFailure(err, "The rating");
    } finally {
      busy = false;
    }
  }

  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement) return;
    const action = KEYS[e.key];
    if (action === undefined) return;
    e.preventDefault();
    void act(action);
  });
  for (const b of document.querySelectorAll<HTMLButtonElement>(".review button[data-rating]"))
    b.addEventListener("click", () => void act(Number(b.dataset.rating)));
  byId("skip").addEventListener("click", () => void act("skip"));
  void (async () => {
    queue = [];
    await fetchMore();
    show();
  })();
}

import { ApiFailure, api, describeFailure } from "./api";
import { byId, fill, h, link, note } from "./dom";
import { fmtNum, fmtTime, fmtValue } from "./format";
import { COMPONENTS, type EventLineage, type Message, type Score, type StoredEvent } from "./types";

/**
 * One event: its conversation (roles, tool calls with their arguments, tool
 * results, long text collapsed), its score and why (each component with its
 * weight and contribution), its feedback history and the patterns and dataset
 * examples it fed (GET /v1/events/{id}/lineage), rate buttons that POST
 * /v1/feedback, refresh the history and wait for the re-score, and the raw JSON.
 */
const LONG = 600;

function textOf(content: Message["content"]): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((p) => (typeof p.text === "string" ? p.text : `[${p.type}]`)).join("\n");
}

/** Text, collapsed behind a <details> when long. */
function body(text: string): Node {
  if (text.length <= LONG) return h("div", { class: "text-block" }, text);
  return h(
    "details",
    { class: "long" },
    h("summary", {}, `${text.slice(0, 200)}… (${text.length} characters: show all)`),
    h("div", { class: "text-block" }, text),
  );
}

function prettyArguments(args: string): string {
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
}

export function renderConversation(el: HTMLElement, messages: Message[]): void {
  if (messages.length === 0) {
    fill(el, note("This event carries no conversation."));
    return;
  }
  fill(
    el,
    h(
      "ol",
      { class: "conversation" },
      messages.map((m) =>
        h(
          "li",
          { class: `msg ${m.role}` },
          h("div", { class: "role" }, m.role, m.name ? ` (${m.name})` : "", m.tool_call_id ? ` · result of ${m.tool_call_id}` : ""),
          textOf(m.content) ? body(textOf(m.content)) : null,
          (m.tool_calls ?? []).map((t) =>
            h(
              "div",
              { class: "tool-call" },
              h("div", { class: "tool-name" }, `tool call ${t.function.name}`, h("span", { class: "muted" }, ` · ${t.id}`)),
              h("pre", { class: "raw" }, prettyArguments(t.function.arguments)),
            ),
          ),
        ),
      ),
    ),
  );
}

export function renderScore(el: HTMLElement, score: Score, previous?: number | null): void {
  const rows = COMPONENTS.map((name) =>
    h(
      "tr",
      { "data-component": name },
      h("th", { scope: "row" }, name),
      h("td", { class: "num" }, fmtNum(score.components[name])),
      h("td", { class: "num" }, fmtNum(score.weight_values[name])),
      h("td", { class: "num" }, fmtNum(score.contributions[name], 3)),
    ),
  );
  const changed = previous !== undefined && previous !== score.value;
  fill(
    el,
    h(
      "div",
      { class: "score-head" },
      h("span", { class: "big", id: "score-value" }, fmtNum(score.value)),
      h(
        "span",
        { class: "sub" },
        ` value · confidence ${fmtNum(score.confidence)}`,
        score.high_value ? " · high value" : "",
        score.non_answer ? " · not an answer" : "",
      ),
      changed ? h("div", { class: "changed", id: "score-changed" }, `changed from ${fmtNum(previous)} after the rating`) : null,
    ),
    h(
      "table",
      { class: "breakdown", id: "breakdown" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "component"),
          h("th", { scope: "col", class: "num" }, "value"),
          h("th", { scope: "col", class: "num" }, "weight"),
          h("th", { scope: "col", class: "num" }, "contribution"),
        ),
      ),
      h("tbody", {}, rows),
    ),
    h(
      "p",
      { class: "sub" },
      `profile ${score.weights.profile} v${score.weights.version} · quality by the ${score.quality_source} judge${score.judge_reason ? `: ${score.judge_reason}` : ""}`,
    ),
    score.quality_hits.length
      ? h(
          "ul",
          { class: "items" },
          score.quality_hits.map((q) => h("li", {}, h("span", { class: "name" }, q.rule), ` ${fmtNum(q.score)} · ${q.detail}`)),
        )
      : null,
    h("p", { class: "sub" }, score.reason, ` · scored ${fmtTime(score.scored_at)}`),
  );
}

function meta(ev: StoredEvent): void {
  const e = ev.event;
  const dl = byId("meta");
  const pairs: [string, Node | string][] = [];
  for (const k of ["source", "type", "model", "outcome", "timestamp", "latency_ms", "tokens_in", "tokens_out", "interaction_id"])
    if (e[k] !== undefined && e[k] !== null) pairs.push([k.replace(/_/g, " "), fmtValue(e[k])]);
  if (ev.received_at) pairs.unshift(["received", fmtTime(String(ev.received_at))]);
  if (ev.status) pairs.unshift(["status", String(ev.status)]);
  if (typeof e.session_id === "string") pairs.push(["session", link(`/sessions/${encodeURIComponent(e.session_id)}`, e.session_id)]);
  fill(
    dl,
    pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
}

const RATINGS: Record<string, string> = { "1": "good", "0": "neutral", "-1": "bad" };

/** A correction as text: a string, or an assistant message's text (and its tool calls' names). */
function correctionText(c: unknown): string {
  if (typeof c === "string") return c;
  if (c && typeof c === "object") {
    const m = c as Message;
    const calls = (m.tool_calls ?? []).map((t) => `tool call ${t.function.name}`);
    return [textOf(m.content), ...calls].filter(Boolean).join("\n") || JSON.stringify(c);
  }
  return fmtValue(c);
}

/** The feedback history, newest first: every rating with its time, comment, outcome and correction; then the event's own. */
function renderFeedback(own: unknown, feedback: EventLineage["feedback"]): void {
  const items: Node[] = feedback.map((f) =>
    h(
      "li",
      { class: "feedback-entry" },
      h("span", { class: "title" }, `rated ${RATINGS[String(f.rating)] ?? fmtValue(f.rating)} (${f.rating > 0 ? "+" : ""}${f.rating})`),
      h("span", { class: "meta" }, ` · ${fmtTime(f.received_at)}`, f.outcome ? ` · outcome ${f.outcome}` : ""),
      f.comment ? h("div", {}, f.comment) : null,
      f.correction !== null && f.correction !== undefined
        ? h("div", { class: "correction" }, h("span", { class: "muted" }, "correction: "), body(correctionText(f.correction)))
        : null,
    ),
  );
  if (own !== undefined && own !== null) items.push(h("li", {}, `sent with the event: ${fmtValue(own)}`));
  fill(byId("feedback"), items.length ? items : h("li", { class: "none" }, "No feedback yet."));
}

/** The patterns this event is evidence of and the dataset examples built from it. */
function renderFed(lineage: EventLineage): void {
  fill(
    byId("lineage-patterns"),
    lineage.patterns.length
      ? lineage.patterns.map((p) =>
          h(
            "li",
            {},
            link(`/patterns/${encodeURIComponent(p.id)}`, p.problem ?? p.id),
            h("span", { class: "meta" }, ` · support ${p.support} · quality ${fmtNum(p.quality)}`),
          ),
        )
      : h("li", { class: "none" }, "No pattern was distilled from this event."),
  );
  fill(
    byId("lineage-examples"),
    lineage.examples.length
      ? lineage.examples.map((e) =>
          h(
            "li",
            {},
            link(`/datasets/${encodeURIComponent(e.dataset)}`, e.dataset),
            h(
              "span",
              { class: "meta" },
              ` · ${e.kind} · ${e.split} · ${e.content_hash.slice(0, 12)}`,
              e.removed_at ? ` · removed ${fmtTime(e.removed_at)}` : "",
            ),
          ),
        )
      : h("li", { class: "none" }, "In no dataset."),
  );
}

export function renderEventPage(id: string): void {
  const scoreEl = byId("score");
  const status = byId("rate-status");
  let current: number | null | undefined;
  let own: unknown;

  async function loadLineage(): Promise<void> {
    try {
      const lineage = await api<EventLineage>(`/v1/events/${encodeURIComponent(id)}/lineage`, "project");
      renderFeedback(own, lineage.feedback);
      renderFed(lineage);
    } catch (err) {
      const failed = note(describeFailure(err, "The feedback history"), "error");
      fill(byId("feedback"), h("li", {}, failed));
      fill(byId("lineage-patterns"), h("li", { class: "none" }, "not available"));
      fill(byId("lineage-examples"), h("li", { class: "none" }, "not available"));
    }
  }

  async function loadScore(): Promise<Score | null> {
    try {
      const score = await api<Score>(`/v1/events/${encodeURIComponent(id)}/score`, "project");
      return score;
    } catch (err) {
      fill(scoreEl, note(err instanceof ApiFailure && err.code === "not_scored" ? "Not scored yet." : describeFailure(err, "The score")));
      return null;
    }
  }

  void (async () => {
    try {
      const ev = await api<StoredEvent>(`/v1/events/${encodeURIComponent(id)}`, "project");
      renderConversation(byId("conversation"), ev.event.messages ?? []);
      meta(ev);
      own = ev.event.feedback;
      byId("raw").textContent = JSON.stringify(ev, null, 2);
      void loadLineage();
    } catch (err) {
      fill(byId("conversation"), note(describeFailure(err, `Event ${id}`), "error"));
    }
    const score = await loadScore();
    if (score) {
      current = score.value;
      renderScore(scoreEl, score);
    }
  })();

  for (const button of document.querySelectorAll<HTMLButtonElement>("#rate-form button[data-rating]")) {
    button.addEventListener("click", () => void rate(Number(button.dataset.rating)));
  }

  async function rate(rating: number): Promise<void> {
    const correction = byId<HTMLTextAreaElement>("correction").value.trim();
    const before = current;
    status.textContent = "sending…";
    try {
      await api("/v1/feedback", "project", "POST", { event_id: id, rating, ...(correction ? { correction } : {}) });
    } catch (err) {
      status.textContent = describeFailure(err, "The rating");
      return;
    }
    status.textContent = `rated ${rating > 0 ? "good" : rating < 0 ? "bad" : "neutral"}: waiting for the re-score…`;
    await loadLineage();
    // Feedback re-scores the event within seconds: poll until the value moves (or give up after 30 s).
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 800));
      const score = await loadScore();
      if (score && score.value !== before) {
        current = score.value;
        renderScore(scoreEl, score, before);
        status.textContent = `rated: the value is now ${fmtNum(score.value)} (was ${fmtNum(before)})`;
        await loadLineage();
        return;
      }
    }
    status.textContent = "rated: the value did not change";
  }
}

/**
 * Browser code (a string, served as part of /ui/app.js): the number and
 * chart panels, drawn from the overview, the readiness answer and the poll
 * history, and `renderOverview`, which draws every panel.
 */
export const PANELS_JS = String.raw`
/** Sum of a counter over all its label sets ("name" and "name{...}" keys). */
function counter(o, name) {
  var total = 0;
  for (var k in o.counters) if (k === name || k.indexOf(name + "{") === 0) total += o.counters[k];
  return total;
}

/** Per-second rates of one history field between successive polls. */
function rates(history, field) {
  var out = [];
  for (var i = 1; i < history.length; i++) {
    var dt = (history[i].t - history[i - 1].t) / 1000;
    if (dt > 0) out.push(Math.max(0, history[i][field] - history[i - 1][field]) / dt);
  }
  return out;
}

function last(a) { return a.length ? a[a.length - 1] : null; }

function renderTotals(o, history) {
  setText("received", fmtInt(counter(o, "events_received_total")));
  setText("processed", fmtInt(counter(o, "events_processed_total")));
  setText("rejected", fmtInt(counter(o, "events_rejected_total")));
  setText("duplicates", fmtInt(counter(o, "duplicates_total")));
  setText("errors", fmtInt(counter(o, "errors_total")));
  setText("refused", fmtInt(counter(o, "backpressure_rejections_total")));
  setText("dead-letters", fmtInt(counter(o, "dead_letters_total")) + " dead letters");
  var measuring = history.length < 2 ? "measuring…" : null;
  setText("received-rate", measuring || fmtRate(last(rates(history, "received"))) + " now");
  setText("processed-rate", measuring || fmtRate(last(rates(history, "processed"))) + " now");
}

function renderThroughput(history, everyMs) {
  var span = history.length > 1 ? (last(history).t - history[0].t) / 1000 : 0;
  setText("throughput-window", span ? "last " + fmtSeconds(span) + ", sampled every " + everyMs / 1000 + " s" : "");
  lineChart(byId("throughput-chart"), [
    { values: rates(history, "received"), className: "received", label: "events received per second" },
    { values: rates(history, "processed"), className: "processed", label: "events processed per second" },
  ], { height: 120, label: "throughput", format: fmtRate, waiting: "The chart starts after two polls." });
}

function renderQueue(o, history, queue) {
  var budget = queue && queue.budget;
  setText("lag", fmtSeconds(o.backlog.lag_seconds));
  setText("lag-detail", "oldest accepted event not yet processed" + (budget ? " · budget " + fmtSeconds(budget.maxLagSeconds) : ""));
  setText("backlog", fmtInt(o.backlog.events));
  setText("backlog-detail", "events in " + fmtInt(o.backlog.chunks) + " chunks" + (budget ? " · budget " + fmtInt(budget.maxBacklogEvents) : ""));
  var lagEl = byId("lag-chart"), backlogEl = byId("backlog-chart");
  lineChart(lagEl, [{ values: history.map(function (p) { return p.lag; }), className: "lag", label: "lag in seconds" }],
    { height: 56, label: "lag", format: fmtSeconds, waiting: "" });
  lineChart(backlogEl, [{ values: history.map(function (p) { return p.backlog; }), className: "backlog", label: "events waiting" }],
    { height: 56, label: "backlog", format: fmtInt, waiting: "" });
  if (budget) {
    lagEl.appendChild(meter(o.backlog.lag_seconds / budget.maxLagSeconds, "lag against its " + budget.maxLagSeconds + " s budget"));
    backlogEl.appendChild(meter(o.backlog.events / budget.maxBacklogEvents, "backlog against its budget of " + budget.maxBacklogEvents + " events"));
  }
}

function renderScores(o) {
  var counts = {}, total = 0;
  (o.score_distribution || []).forEach(function (b) { counts[b.bucket] = b.n; total += b.n; });
  var bars = [];
  for (var i = 0; i < 10; i++) {
    var lo = (i / 10).toFixed(1), n = counts[lo] || 0;
    bars.push({ label: lo, value: n, title: "value " + lo + "–" + ((i + 1) / 10).toFixed(1) + ": " + fmtInt(n) + " events" });
  }
  bars.push({ label: "unknown", value: counts.unknown || 0, className: "unknown", title: "no evidence of value yet: " + fmtInt(counts.unknown || 0) + " events" });
  setText("scores-total", fmtInt(total) + " scored events");
  barChart(byId("score-chart"), bars, { height: 150, label: "events by value score" });
}

function renderOverview(o, readiness, history, everyMs) {
  renderTotals(o, history);
  renderThroughput(history, everyMs);
  renderQueue(o, history, readiness && readiness.checks.queue);
  renderScores(o);
  renderJobs(o, readiness);
  renderBreakers(o);
  renderItems("patterns", o.recent_patterns, ["problem", "title", "name", "summary", "pattern", "id"], ["lesson", "approach", "description"],
    "none yet: patterns appear once high-value events are distilled", Date.parse(o.now));
  renderItems("datasets", o.datasets, ["name", "title", "id"], ["description"], "none yet: no dataset has been built", Date.parse(o.now));
}
`;

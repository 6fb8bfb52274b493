/** The dashboard's stylesheet: system fonts, light and dark schemes, no external assets. */
export const DASHBOARD_CSS = `
:root {
  --bg: #f4f5f7; --card: #fff; --ink: #1d2330; --muted: #687085; --line: #e3e6ec;
  --accent: #2f6fde; --accent-2: #8a4fd8; --ok: #1f8a4c; --warn: #c27a00; --bad: #c93a3a; --unknown: #a4abb8;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #14171d; --card: #1d2129; --ink: #e6e9ef; --muted: #99a1b3; --line: #2d323d; --accent: #5b93f5; --accent-2: #b08af0; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--bg); padding: 1px 4px; border-radius: 4px; }
.muted, .sub { color: var(--muted); }
.sub { font-size: 12px; min-height: 17px; }

.top { display: flex; align-items: center; gap: 14px; padding: 12px 24px; background: var(--card); border-bottom: 1px solid var(--line); }
.brand { display: flex; align-items: center; gap: 8px; font-weight: 650; font-size: 17px; color: var(--ink); text-decoration: none; }
#updated { margin-left: auto; font-size: 12px; }
#updated.stale { color: var(--bad); }
.pill { font-size: 12px; font-weight: 600; padding: 2px 10px; border-radius: 99px; background: var(--line); color: var(--muted); }
.pill.ok { background: color-mix(in srgb, var(--ok) 15%, transparent); color: var(--ok); }
.pill.degraded { background: color-mix(in srgb, var(--warn) 18%, transparent); color: var(--warn); }
.pill.failing { background: color-mix(in srgb, var(--bad) 15%, transparent); color: var(--bad); }
button { font: inherit; cursor: pointer; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; padding: 7px 14px; }
button.link { background: none; border: none; color: var(--accent); padding: 0; font-size: 12px; }

main { padding: 20px 24px 32px; max-width: 1400px; margin: 0 auto; }
.card, .tile { background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
.card { padding: 16px 18px; min-width: 0; }
h2 { font-size: 13px; font-weight: 650; margin: 0 0 10px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
h2 .muted { text-transform: none; letter-spacing: 0; font-weight: 400; }
h3 { font-size: 12px; font-weight: 600; margin: 0; color: var(--muted); }
.big { font-size: 28px; font-weight: 650; font-variant-numeric: tabular-nums; line-height: 1.2; }

.login { max-width: 520px; margin: 48px auto; }
.login h2 { font-size: 16px; text-transform: none; letter-spacing: 0; color: var(--ink); }
.login form { display: flex; gap: 8px; margin: 12px 0; }
.login input { flex: 1; font: inherit; padding: 7px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--ink); }
#login-message.refused { color: var(--bad); font-weight: 600; }

.tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; margin-bottom: 12px; }
.tile { padding: 12px 16px; }
.grid { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); grid-auto-flow: row dense; gap: 12px; }
.wide { grid-column: span 2; }
.tall { grid-row: span 2; }
@media (max-width: 1100px) {
  .tiles { grid-template-columns: repeat(3, 1fr); }
  .grid { grid-template-columns: repeat(2, minmax(0, 1fr)); }
}
@media (max-width: 700px) {
  .tiles { grid-template-columns: repeat(2, 1fr); }
  .grid { grid-template-columns: minmax(0, 1fr); }
  .wide { grid-column: auto; }
  .tall { grid-row: auto; }
}

.chart { margin-top: 8px; min-height: 40px; }
.chart svg { display: block; width: 100%; overflow: visible; }
.chart text { font-size: 10px; fill: var(--muted); font-variant-numeric: tabular-nums; }
.chart .grid-line { stroke: var(--line); stroke-dasharray: 3 3; }
.chart .line { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
.chart .line.received, .chart .line.lag { stroke: var(--accent); }
.chart .line.processed, .chart .line.backlog { stroke: var(--accent-2); }
.chart .area { fill: var(--accent); opacity: .1; }
.chart .area.backlog { fill: var(--accent-2); }
.chart .bar { fill: var(--accent); }
.chart .bar.low { fill: color-mix(in srgb, var(--accent) 45%, var(--card)); }
.chart .bar.unknown { fill: var(--unknown); }
.chart .empty { font-size: 12px; }
.legend { margin: 6px 0 0; font-size: 12px; color: var(--muted); }
.key { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 10px; vertical-align: -1px; }
.key:first-child { margin-left: 0; }
.key.received { background: var(--accent); }
.key.processed { background: var(--accent-2); }

.checks, .items { list-style: none; margin: 0; padding: 0; }
.checks li { display: flex; gap: 8px; align-items: baseline; padding: 5px 0; border-top: 1px solid var(--line); }
.checks li > div { flex: 1; min-width: 0; }
.checks li:first-child { border-top: none; }
.checks .name { font-weight: 600; white-space: nowrap; margin-right: 8px; }
.checks .reason { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
.dot { display: inline-block; flex: none; width: 9px; height: 9px; border-radius: 50%; background: var(--unknown); align-self: center; }
.dot.ok, .dot.closed { background: var(--ok); }
.dot.degraded, .dot.half_open { background: var(--warn); }
.dot.failing, .dot.open { background: var(--bad); }
.items li { padding: 7px 0; border-top: 1px solid var(--line); }
.items li:first-child { border-top: none; }
.items .title { font-weight: 600; overflow-wrap: anywhere; }
.items .meta { color: var(--muted); font-size: 12px; }
.none { color: var(--muted); font-style: italic; padding: 4px 0; }

table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); padding: 4px 8px 6px 0; border-bottom: 1px solid var(--line); }
td { padding: 6px 8px 6px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
tr:last-child td { border-bottom: none; }
.num { text-align: right; }
td.result { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
td.error { color: var(--bad); font-size: 12px; }
.meter-svg { display: block; margin: 8px 0 2px; }
.meter-track { fill: var(--line); }
.meter-fill.ok { fill: var(--ok); }
.meter-fill.degraded { fill: var(--warn); }
.meter-fill.failing { fill: var(--bad); }
`;

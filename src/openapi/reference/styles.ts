/** The API reference's stylesheet: system fonts, light and dark schemes, no external assets. */
export const REFERENCE_CSS = `
:root {
  --bg: #f4f5f7; --card: #fff; --ink: #1d2330; --muted: #687085; --line: #e3e6ec; --accent: #2f6fde;
  --get: #1f8a4c; --post: #2f6fde; --put: #c27a00; --delete: #c93a3a;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #14171d; --card: #1d2129; --ink: #e6e9ef; --muted: #99a1b3; --line: #2d323d; --accent: #5b93f5; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); }
code, pre, textarea { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
.muted { color: var(--muted); }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 14px; padding: 10px 24px; background: var(--card); border-bottom: 1px solid var(--line); }
.brand { font-weight: 650; font-size: 17px; color: var(--ink); text-decoration: none; }
.tokens { display: flex; gap: 12px; margin-left: auto; font-size: 12px; color: var(--muted); }
input, select, textarea { font: inherit; padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--ink); }
textarea { width: 100%; font-size: 12px; }
button { font: inherit; cursor: pointer; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; padding: 6px 14px; }
.layout { display: grid; grid-template-columns: 280px 1fr; }
nav { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto; padding: 16px; border-right: 1px solid var(--line); }
nav input { width: 100%; margin-bottom: 10px; }
nav h3 { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 12px 0 4px; }
nav a { display: block; padding: 2px 0; font-size: 12px; text-decoration: none; color: var(--ink); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
main { padding: 16px 24px 48px; min-width: 0; max-width: 1100px; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 24px 0 8px; }
details.op { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin: 6px 0; }
details.op > summary { display: flex; gap: 10px; align-items: baseline; padding: 8px 12px; cursor: pointer; }
.op-body { padding: 4px 14px 14px; border-top: 1px solid var(--line); }
.method { display: inline-block; min-width: 58px; text-align: center; font: 600 11px ui-monospace, monospace; text-transform: uppercase; color: #fff; border-radius: 4px; padding: 2px 6px; }
.method.get { background: var(--get); } .method.post { background: var(--post); } .method.put { background: var(--put); } .method.delete { background: var(--delete); }
.path { font: 13px ui-monospace, monospace; }
.auth { font-size: 11px; color: var(--muted); margin-left: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow: auto; max-height: 420px; margin: 6px 0; }
.try { display: grid; gap: 8px; margin-top: 10px; padding: 10px; border: 1px dashed var(--line); border-radius: 6px; }
.try label { display: grid; grid-template-columns: 180px 1fr; gap: 8px; align-items: center; font-size: 12px; }
.status-line { font-weight: 600; }
.status-line.ok { color: var(--get); } .status-line.bad { color: var(--delete); }
@media (max-width: 800px) { .layout { grid-template-columns: 1fr; } nav { position: static; max-height: none; border-right: none; } }
`;

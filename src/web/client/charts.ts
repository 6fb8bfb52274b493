import { fill, h, s } from "./dom";
import { fmtInt } from "./format";

/**
 * Hand-written SVG charts. Sizes follow the container's width at render
 * time; colours come from the stylesheet through class names.
 */
export interface Series {
  values: number[];
  className: string;
  label: string;
}

export interface LineOptions {
  height: number;
  label: string;
  format: (v: number) => string;
  waiting: string;
}

/** Line chart of one or more series sampled at the same instants; the first is shaded. */
export function lineChart(el: HTMLElement, series: Series[], opts: LineOptions): void {
  const w = Math.max(120, el.clientWidth);
  const hgt = opts.height;
  const top = 12;
  const bottom = hgt - 2;
  const n = Math.max(0, ...series.map((x) => x.values.length));
  if (n < 2) {
    fill(el, opts.waiting ? h("div", { class: "sub empty" }, opts.waiting) : null);
    return;
  }
  let max = 0;
  for (const x of series) for (const v of x.values) if (v > max) max = v;
  if (max <= 0) max = 1;
  const step = w / (n - 1);
  const y = (v: number) => bottom - (v / max) * (bottom - top);
  const root = s(
    "svg",
    { viewBox: `0 0 ${w} ${hgt}`, width: w, height: hgt, role: "img", "aria-label": opts.label },
    s("line", { class: "grid-line", x1: 0, x2: w, y1: top, y2: top }),
    s("line", { class: "grid-line", x1: 0, x2: w, y1: bottom, y2: bottom }),
    s("text", { x: 0, y: top - 3 }, opts.format(max)),
  );
  series.forEach((x, idx) => {
    const offset = n - x.values.length;
    const pts = x.values.map((v, i) => `${((offset + i) * step).toFixed(1)},${y(v).toFixed(1)}`);
    if (idx === 0) {
      const first = (offset * step).toFixed(1);
      const last = ((n - 1) * step).toFixed(1);
      root.append(s("path", { class: `area ${x.className}`, d: `M${first},${bottom} L${pts.join(" L")} L${last},${bottom} Z` }));
    }
    root.append(s("polyline", { class: `line ${x.className}`, points: pts.join(" ") }, s("title", {}, x.label)));
  });
  fill(el, root);
}

export interface Bar {
  label: string;
  value: number;
  title: string;
  className?: string;
}

/** Vertical bars with the count above and the label below each. */
export function barChart(el: HTMLElement, bars: Bar[], opts: { height: number; label: string }): void {
  const w = Math.max(200, el.clientWidth);
  const hgt = opts.height;
  const top = 14;
  const labels = 16;
  const gap = 6;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const bw = (w - gap * (bars.length - 1)) / bars.length;
  const base = hgt - labels;
  const root = s(
    "svg",
    { viewBox: `0 0 ${w} ${hgt}`, width: w, height: hgt, role: "img", "aria-label": opts.label },
    s("line", { class: "grid-line", x1: 0, x2: w, y1: base + 0.5, y2: base + 0.5 }),
  );
  bars.forEach((b, i) => {
    const x = i * (bw + gap);
    const bh = b.value > 0 ? Math.max(2, (b.value / max) * (base - top)) : 0;
    const cx = (x + bw / 2).toFixed(1);
    root.append(
      s(
        "rect",
        { class: `bar ${b.className ?? ""}`, x: x.toFixed(1), y: (base - bh).toFixed(1), width: bw.toFixed(1), height: bh.toFixed(1), rx: 2 },
        s("title", {}, b.title),
      ),
    );
    if (b.value > 0) root.append(s("text", { x: cx, y: (base - bh - 3).toFixed(1), "text-anchor": "middle" }, fmtInt(b.value)));
    root.append(s("text", { x: cx, y: hgt - 3, "text-anchor": "middle" }, b.label));
  });
  fill(el, root);
}

/** A thin horizontal gauge of used / limit, coloured by how close to the limit it is. */
export function meter(share: number, label: string): SVGElement {
  const pct = Math.max(0, Math.min(1, share)) * 100;
  const cls = share >= 1 ? "failing" : share >= 0.8 ? "degraded" : "ok";
  return s(
    "svg",
    { class: "meter-svg", viewBox: "0 0 100 6", width: "100%", height: 6, preserveAspectRatio: "none", role: "img", "aria-label": label },
    s("rect", { class: "meter-track", x: 0, y: 0, width: 100, height: 6, rx: 3 }),
    s("rect", { class: `meter-fill ${cls}`, x: 0, y: 0, width: pct.toFixed(2), height: 6, rx: 3 }),
    s("title", {}, label),
  );
}

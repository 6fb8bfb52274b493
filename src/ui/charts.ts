/**
 * Browser code (a string, served as part of /ui/app.js): hand-written SVG
 * charts. Sizes follow the container's width at render time; colours come
 * from the stylesheet through class names.
 */
export const CHARTS_JS = String.raw`
/** Line chart of one or more series sampled at the same instants; the first is shaded. */
function lineChart(el, series, opts) {
  var w = Math.max(120, el.clientWidth), hgt = opts.height, top = 12, bottom = hgt - 2;
  var n = Math.max.apply(null, series.map(function (x) { return x.values.length; }));
  if (n < 2) { fill(el, [h("div", { class: "sub empty" }, [opts.waiting])]); return; }
  var max = 0;
  series.forEach(function (x) { x.values.forEach(function (v) { if (v > max) max = v; }); });
  if (max <= 0) max = 1;
  var step = w / (n - 1);
  var y = function (v) { return bottom - (v / max) * (bottom - top); };
  var root = s("svg", { viewBox: "0 0 " + w + " " + hgt, width: w, height: hgt, role: "img", "aria-label": opts.label }, [
    s("line", { class: "grid-line", x1: 0, x2: w, y1: top, y2: top }),
    s("line", { class: "grid-line", x1: 0, x2: w, y1: bottom, y2: bottom }),
    s("text", { x: 0, y: top - 3 }, [opts.format(max)]),
  ]);
  series.forEach(function (x, idx) {
    var offset = n - x.values.length;
    var pts = x.values.map(function (v, i) { return ((offset + i) * step).toFixed(1) + "," + y(v).toFixed(1); });
    if (idx === 0) {
      var first = (offset * step).toFixed(1), last = ((n - 1) * step).toFixed(1);
      root.appendChild(s("path", { class: "area " + x.className, d: "M" + first + "," + bottom + " L" + pts.join(" L") + " L" + last + "," + bottom + " Z" }));
    }
    root.appendChild(s("polyline", { class: "line " + x.className, points: pts.join(" ") }, [s("title", {}, [x.label])]));
  });
  fill(el, [root]);
}

/** Vertical bars with the count above and the label below each. */
function barChart(el, bars, opts) {
  var w = Math.max(200, el.clientWidth), hgt = opts.height, top = 14, labels = 16, gap = 6;
  var max = Math.max.apply(null, bars.map(function (b) { return b.value; }).concat([1]));
  var bw = (w - gap * (bars.length - 1)) / bars.length, base = hgt - labels;
  var root = s("svg", { viewBox: "0 0 " + w + " " + hgt, width: w, height: hgt, role: "img", "aria-label": opts.label }, [
    s("line", { class: "grid-line", x1: 0, x2: w, y1: base + 0.5, y2: base + 0.5 }),
  ]);
  bars.forEach(function (b, i) {
    var x = i * (bw + gap), bh = b.value > 0 ? Math.max(2, (b.value / max) * (base - top)) : 0, cx = (x + bw / 2).toFixed(1);
    root.appendChild(s("rect", { class: "bar " + (b.className || ""), x: x.toFixed(1), y: (base - bh).toFixed(1), width: bw.toFixed(1), height: bh.toFixed(1), rx: 2 }, [
      s("title", {}, [b.title]),
    ]));
    if (b.value > 0) root.appendChild(s("text", { x: cx, y: (base - bh - 3).toFixed(1), "text-anchor": "middle" }, [fmtInt(b.value)]));
    root.appendChild(s("text", { x: cx, y: hgt - 3, "text-anchor": "middle" }, [b.label]));
  });
  fill(el, [root]);
}

/** A thin horizontal gauge of used / limit, coloured by how close to the limit it is. */
function meter(share, label) {
  var pct = Math.max(0, Math.min(1, share)) * 100;
  var cls = share >= 1 ? "failing" : share >= 0.8 ? "degraded" : "ok";
  return s("svg", { class: "meter-svg", viewBox: "0 0 100 6", width: "100%", height: 6, preserveAspectRatio: "none", role: "img", "aria-label": label }, [
    s("rect", { class: "meter-track", x: 0, y: 0, width: 100, height: 6, rx: 3 }),
    s("rect", { class: "meter-fill " + cls, x: 0, y: 0, width: pct.toFixed(2), height: 6, rx: 3 }),
    s("title", {}, [label]),
  ]);
}
`;

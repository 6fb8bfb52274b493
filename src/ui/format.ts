/**
 * Browser code (a string, served as part of /ui/app.js): DOM building and
 * number formatting. Text always goes in through textContent, never as HTML,
 * so nothing the API returns can inject markup.
 */
export const FORMAT_JS = String.raw`
var SVG_NS = "http://www.w3.org/2000/svg";

function byId(id) { return document.getElementById(id); }

/** An element with attributes and children (strings become text nodes). */
function h(tag, attrs, children) {
  var el = document.createElement(tag);
  setAll(el, attrs, children);
  return el;
}

/** An SVG element, the same way. */
function s(tag, attrs, children) {
  var el = document.createElementNS(SVG_NS, tag);
  setAll(el, attrs, children);
  return el;
}

function setAll(el, attrs, children) {
  for (var k in attrs || {}) if (attrs[k] !== undefined && attrs[k] !== null) el.setAttribute(k, String(attrs[k]));
  (children || []).forEach(function (c) {
    if (c !== null && c !== undefined) el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  });
}

function fill(el, children) {
  el.replaceChildren.apply(el, children.filter(function (c) { return c !== null && c !== undefined; }));
}

function setText(id, text) { byId(id).textContent = text; }

function fmtInt(n) { return n === null || n === undefined ? "–" : Math.round(n).toLocaleString("en-US"); }

function fmtRate(r) {
  if (r === null || r === undefined) return "–";
  if (r === 0) return "0/s";
  return (r >= 100 ? Math.round(r).toLocaleString("en-US") : r >= 10 ? r.toFixed(1) : r.toFixed(2)) + "/s";
}

function fmtSeconds(sec) {
  if (sec === null || sec === undefined) return "–";
  if (sec < 10) return sec.toFixed(1) + " s";
  var r = Math.round(sec);
  var pair = function (big, bigUnit, small, smallUnit) { return big + " " + bigUnit + (small ? " " + small + " " + smallUnit : ""); };
  if (r < 90) return r + " s";
  if (r < 5400) return pair(Math.floor(r / 60), "min", r % 60, "s");
  var m = Math.round(r / 60);
  if (m < 2880) return pair(Math.floor(m / 60), "h", m % 60, "min");
  return Math.round(r / 86400) + " days";
}

function fmtBytes(b) {
  var units = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
  while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
  return (i === 0 ? String(b) : b.toFixed(b >= 100 ? 0 : 1)) + " " + units[i];
}

/** "12 s ago" for an ISO time, against the server's clock. */
function fmtAgo(iso, nowMs) {
  if (!iso) return "never";
  var t = Date.parse(iso);
  return isNaN(t) ? String(iso) : fmtSeconds(Math.max(0, (nowMs - t) / 1000)) + " ago";
}

/** A short one-line rendering of any JSON value. */
function fmtValue(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isInteger(v) ? fmtInt(v) : v.toFixed(2);
  if (typeof v !== "object") return String(v);
  if (Array.isArray(v)) return v.map(fmtValue).join(", ");
  return Object.keys(v).filter(function (k) { return typeof v[k] !== "object" || v[k] === null; })
    .map(function (k) { return k.replace(/_/g, " ") + " " + fmtValue(v[k]); }).join(" · ");
}
`;

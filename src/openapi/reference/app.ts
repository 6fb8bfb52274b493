/**
 * Browser code of the API reference: renders every operation of
 * /openapi.json (parameters, bodies, responses, schemas) and a "try it" form
 * per operation that calls this origin with the project key or the admin
 * token, whichever the operation's security asks for. Both are kept in
 * sessionStorage, never localStorage: per tab, gone when it closes, never on
 * disk. The admin token sits under the dashboard's key, so one login in a tab
 * serves both pages.
 * Written without backticks: it lives in a template literal.
 */
export const REFERENCE_JS = String.raw`"use strict";
var STORAGE = { projectKey: "gleaner.projectKey", adminToken: "gleaner.adminToken", metricsToken: "gleaner.metricsToken" };
var doc = null;

function h(tag, attrs) {
  var el = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    var v = attrs[k];
    if (v === undefined || v === null || v === false) return;
    if (k === "class") el.className = v;
    else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  });
  for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
  return el;
}

function append(el, child) {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) child.forEach(function (c) { append(el, c); });
  else el.append(child instanceof Node ? child : String(child));
}

/** Text in which backquoted spans become code elements (descriptions use them for names and values). */
function prose(text) {
  return String(text).split("\u0060").map(function (part, i) { return i % 2 ? h("code", {}, part) : part; });
}

var memory = {};
// Earlier versions kept these in localStorage: forget those copies.
try { Object.keys(STORAGE).forEach(function (name) { localStorage.removeItem(STORAGE[name]); }); } catch (e) { /* storage disabled */ }
function stored(name) { try { return sessionStorage.getItem(STORAGE[name]) || ""; } catch (e) { return memory[name] || ""; } }
function store(name, value) {
  memory[name] = value;
  try { if (value) sessionStorage.setItem(STORAGE[name], value); else sessionStorage.removeItem(STORAGE[name]); } catch (e) { /* storage disabled: memory only */ }
}

function resolve(obj) {
  var seen = 0;
  while (obj && typeof obj.$ref === "string" && seen++ < 10) {
    obj = obj.$ref.slice(2).split("/").reduce(function (o, k) { return o && o[k]; }, doc);
  }
  return obj;
}

/** Pretty JSON in which every component $ref links to its schema. */
function jsonView(value) {
  var pre = h("pre", {});
  JSON.stringify(value, null, 2).split("\n").forEach(function (line) {
    var m = /^(\s*)"\$ref": "#\/components\/schemas\/([^"]+)"(,?)$/.exec(line);
    if (m) append(pre, [m[1] + "\"$ref\": ", h("a", { href: "#schema-" + m[2] }, m[2]), m[3] + "\n"]);
    else append(pre, line + "\n");
  });
  return pre;
}

function schemesOf(op) { return (op.security || []).map(function (req) { return Object.keys(req)[0]; }).filter(Boolean); }

function authLabel(op) {
  var schemes = schemesOf(op);
  if (schemes.length === 0) return "no key";
  return schemes.join(" or ") + ((op.security || []).some(function (r) { return Object.keys(r).length === 0; }) ? " (optional)" : "");
}

function exampleText(value) { return typeof value === "string" ? value : JSON.stringify(value, null, 2); }

function tryIt(path, method, op) {
  var params = (op.parameters || []).map(resolve);
  var fields = params.map(function (p) {
    var schema = p.schema || {};
    var input = schema.enum
      ? h("select", { name: p.name }, (p.required ? [] : [h("option", { value: "" }, "")]).concat(schema.enum.map(function (v) { return h("option", { value: v }, v); })))
      : h("input", { name: p.name, placeholder: schema.default !== undefined ? String(schema.default) : "", required: p.required });
    return { p: p, input: input, label: h("label", {}, h("span", {}, p.name + " (" + p.in + ")" + (p.required ? " *" : "")), input) };
  });
  var content = op.requestBody ? op.requestBody.content : null;
  var types = content ? Object.keys(content) : [];
  var typeSelect = h("select", { "aria-label": "content type" }, types.map(function (t) { return h("option", { value: t }, t); }));
  var exampleSelect = h("select", { "aria-label": "example" });
  var body = h("textarea", { rows: 10, spellcheck: "false", "aria-label": "request body" });
  function fillExamples() {
    var examples = (content && content[typeSelect.value] && content[typeSelect.value].examples) || {};
    exampleSelect.replaceChildren.apply(exampleSelect, Object.keys(examples).map(function (k) { return h("option", { value: k }, examples[k].summary || k); }));
    fillBody();
  }
  function fillBody() {
    var examples = (content && content[typeSelect.value] && content[typeSelect.value].examples) || {};
    var chosen = examples[exampleSelect.value];
    body.value = chosen ? exampleText(chosen.value) : "";
  }
  typeSelect.addEventListener("change", fillExamples);
  exampleSelect.addEventListener("change", fillBody);
  var out = h("div", { class: "result", hidden: true });
  var form = h("form", { class: "try" },
    h("strong", {}, "Try it"),
    fields.map(function (f) { return f.label; }),
    content ? [h("label", {}, h("span", {}, "body"), h("span", {}, typeSelect, " ", exampleSelect)), body] : null,
    h("div", {}, h("button", { type: "submit" }, "Send " + method.toUpperCase() + " " + path)),
    out);
  if (content) fillExamples();
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var url = path, query = new URLSearchParams(), headers = {};
    fields.forEach(function (f) {
      var v = f.input.value;
      if (v === "") return;
      if (f.p.in === "path") url = url.replace("{" + f.p.name + "}", encodeURIComponent(v));
      else if (f.p.in === "query") query.append(f.p.name, v);
      else if (f.p.in === "header") headers[f.p.name] = v;
    });
    var token = schemesOf(op).map(stored).filter(Boolean)[0];
    if (token) headers.Authorization = "Bearer " + token;
    var init = { method: method.toUpperCase(), headers: headers };
    if (content && body.value.trim() !== "") { headers["Content-Type"] = typeSelect.value; init.body = body.value; }
    var qs = query.toString();
    out.hidden = false;
    out.replaceChildren(h("p", { class: "muted" }, "Sending …"));
    fetch(url + (qs ? "?" + qs : ""), init).then(function (res) {
      return res.text().then(function (text) {
        var shown = text;
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (err) { /* not JSON: as is */ }
        out.replaceChildren(h("p", { class: "status-line " + (res.ok ? "ok" : "bad") }, res.status + " " + res.statusText), h("pre", {}, shown));
      });
    }, function (err) {
      out.replaceChildren(h("p", { class: "status-line bad" }, "request failed: " + err.message));
    });
  });
  return form;
}

function operationView(path, method, op) {
  var params = (op.parameters || []).map(resolve);
  var responses = Object.keys(op.responses || {});
  return h("details", { class: "op", id: op.operationId, "data-text": (method + " " + path + " " + op.summary).toLowerCase() },
    h("summary", {}, h("span", { class: "method " + method }, method), h("span", { class: "path" }, path), h("span", {}, op.summary), h("span", { class: "auth" }, authLabel(op))),
    h("div", { class: "op-body" },
      op.description ? h("p", {}, prose(op.description)) : null,
      params.length ? [h("h2", {}, "Parameters"), h("table", {}, h("tr", {}, h("th", {}, "name"), h("th", {}, "in"), h("th", {}, "schema"), h("th", {}, "")),
        params.map(function (p) { return h("tr", {}, h("td", {}, h("code", {}, p.name), p.required ? " *" : ""), h("td", {}, p.in), h("td", {}, h("code", {}, JSON.stringify(p.schema || {}))), h("td", {}, prose(p.description || ""))); }))] : null,
      op.requestBody ? [h("h2", {}, "Request body"), Object.keys(op.requestBody.content).map(function (t) { return [h("p", {}, h("code", {}, t)), jsonView(op.requestBody.content[t].schema || {})]; })] : null,
      h("h2", {}, "Responses"),
      h("table", {}, responses.map(function (status) {
        var r = op.responses[status];
        var media = r.content ? Object.keys(r.content) : [];
        var schema = media.length && r.content[media[0]].schema;
        return h("tr", {}, h("td", {}, h("strong", {}, status)), h("td", {}, prose(r.description), schema ? jsonView(schema) : null));
      })),
      tryIt(path, method, op)));
}

function render() {
  document.getElementById("version").textContent = "version " + doc.info.version + " · OpenAPI " + doc.openapi;
  document.getElementById("intro").replaceChildren(h("p", {}, prose(doc.info.description)));
  var nav = document.getElementById("nav"), ops = document.getElementById("operations");
  var byTag = {};
  Object.keys(doc.paths).forEach(function (path) {
    Object.keys(doc.paths[path]).forEach(function (method) {
      var op = doc.paths[path][method];
      var tag = (op.tags && op.tags[0]) || "other";
      (byTag[tag] = byTag[tag] || []).push({ path: path, method: method, op: op });
    });
  });
  (doc.tags || []).map(function (t) { return t.name; }).concat(Object.keys(byTag)).filter(function (t, i, all) { return byTag[t] && all.indexOf(t) === i; }).forEach(function (tag) {
    var info = (doc.tags || []).filter(function (t) { return t.name === tag; })[0];
    append(nav, [h("h3", {}, tag), byTag[tag].map(function (o) { return h("a", { href: "#" + o.op.operationId, "data-for": o.op.operationId }, o.method.toUpperCase() + " " + o.path); })]);
    append(ops, [h("h2", {}, tag, info ? h("span", { class: "muted" }, " · " + info.description) : null), byTag[tag].map(function (o) { return operationView(o.path, o.method, o.op); })]);
  });
  var schemas = (doc.components && doc.components.schemas) || {};
  append(document.getElementById("schemas"), [h("h2", {}, "Schemas"), Object.keys(schemas).map(function (name) {
    return h("details", { class: "op", id: "schema-" + name }, h("summary", {}, h("span", { class: "path" }, name)), h("div", { class: "op-body" }, jsonView(schemas[name])));
  })]);
  window.addEventListener("hashchange", openTarget);
  openTarget();
}

function openTarget() {
  var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
}

function filter(text) {
  var q = text.trim().toLowerCase();
  document.querySelectorAll("details.op[data-text]").forEach(function (d) {
    var show = !q || d.getAttribute("data-text").indexOf(q) >= 0;
    d.hidden = !show;
    var link = document.querySelector("nav a[data-for=\"" + d.id + "\"]");
    if (link) link.hidden = !show;
  });
}

document.addEventListener("DOMContentLoaded", function () {
  ["projectKey", "adminToken"].forEach(function (name) {
    var input = document.getElementById(name);
    input.value = stored(name);
    input.addEventListener("input", function () { store(name, input.value.trim()); });
  });
  document.getElementById("tokens").addEventListener("submit", function (e) { e.preventDefault(); });
  document.getElementById("filter").addEventListener("input", function (e) { filter(e.target.value); });
  fetch("/openapi.json").then(function (res) {
    if (!res.ok) throw new Error("GET /openapi.json answered " + res.status);
    return res.json();
  }).then(function (json) {
    doc = json;
    document.getElementById("status").remove();
    render();
  }).catch(function (err) {
    document.getElementById("status").textContent = "Could not load /openapi.json: " + err.message;
  });
});
`;

/**
 * Browser code (a string, served as part of /ui/app.js): the list panels
 * (readiness checks, breakers, cron jobs, patterns, datasets). Patterns and
 * datasets render whatever fields their records carry, so these need no
 * change when those APIs grow.
 */
export const LISTS_JS = String.raw`
function statusItem(status, name, reason, extra) {
  return h("li", {}, [h("span", { class: "dot " + status, title: status }), h("div", {}, [h("span", { class: "name" }, [name]), h("span", { class: "reason" }, [reason]), extra])]);
}

function renderChecks(readiness) {
  var el = byId("checks");
  if (!readiness) { fill(el, [h("li", { class: "none" }, ["/readyz has not answered"])]); return; }
  fill(el, Object.keys(readiness.checks).map(function (name) {
    var c = readiness.checks[name];
    var extra = name === "storage" && c.cap_bytes ? meter(c.size_bytes / c.cap_bytes, fmtBytes(c.size_bytes) + " of " + fmtBytes(c.cap_bytes)) : null;
    return statusItem(c.status, name.replace(/_/g, " "), c.reason, extra);
  }));
}

function renderBreakers(o) {
  var list = o.breakers || [];
  fill(byId("breakers"), list.length ? list.map(function (b) { return statusItem(b.state, b.dependency, "circuit " + b.state.replace("_", "-")); })
    : [h("li", { class: "none" }, ["none yet: no outside dependency has been called"])]);
}

function renderJobs(o, readiness) {
  var now = Date.parse(o.now), jobs = (o.jobs || []).slice(), seen = {};
  jobs.forEach(function (j) { seen[j.name] = true; });
  Object.keys((readiness && readiness.checks) || {}).forEach(function (k) {
    if (k.indexOf("cron_") === 0 && !seen[k.slice(5)]) jobs.push({ name: k.slice(5), runs: 0, failures: 0 });
  });
  var rows = jobs.map(function (j) {
    var check = readiness && readiness.checks["cron_" + j.name];
    return h("tr", {}, [
      h("td", {}, [h("span", { class: "dot " + (check ? check.status : ""), title: check ? check.reason : "" }), " ", j.name]),
      h("td", {}, [fmtAgo(j.last_success_at, now)]),
      h("td", {}, [fmtAgo(j.last_started_at, now)]),
      h("td", { class: "num" }, [fmtInt(j.runs)]),
      h("td", { class: "num" }, [fmtInt(j.failures)]),
      j.last_error ? h("td", { class: "error" }, [j.last_error]) : h("td", { class: "result" }, [fmtValue(j.last_result)]),
    ]);
  });
  fill(byId("jobs").tBodies[0], rows.length ? rows : [h("tr", {}, [h("td", { class: "none", colspan: 6 }, ["none yet"])])]);
}

/** A list of records: a title, an optional detail line and the remaining short fields. */
function renderItems(id, items, titleKeys, detailKeys, empty, now) {
  var el = byId(id);
  if (!Array.isArray(items) || items.length === 0) { fill(el, [h("li", { class: "none" }, [empty])]); return; }
  fill(el, items.slice(0, 8).map(function (it) {
    var pick = function (keys) { for (var i = 0; i < keys.length; i++) if (typeof it[keys[i]] === "string" && it[keys[i]]) return keys[i]; return null; };
    var tk = pick(titleKeys), dk = pick(detailKeys);
    var meta = Object.keys(it).filter(function (k) { return k !== tk && k !== dk && k !== "id" && k !== "schema_version" && it[k] !== null && typeof it[k] !== "object"; }).slice(0, 6)
      .map(function (k) {
        var v = it[k];
        if (/_bytes$/.test(k)) return fmtBytes(v);
        if (/_at$/.test(k)) return k.replace(/_at$/, "") + " " + fmtAgo(v, now);
        return k.replace(/_/g, " ") + " " + fmtValue(v);
      });
    return h("li", {}, [h("div", { class: "title" }, [tk ? it[tk] : "(untitled)"]), dk ? h("div", {}, [it[dk]]) : null, h("div", { class: "meta" }, [meta.join(" · ")])]);
  }));
}
`;

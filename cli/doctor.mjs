#!/usr/bin/env node
// `npm run doctor`: checks that this machine can run Gleaner, in plain Node with no dependency,
// so it also works on a fresh clone before `npm install`. Exit 1 when a required check fails.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const results = [];
const add = (name, status, detail, fix = "") => results.push({ name, status, detail, fix });

function parseDevVars(text) {
  const vars = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith("#")) vars[m[1]] = m[2].replace(/^(['"])(.*)\1$/, "$2");
  }
  return vars;
}

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const [major, minor] = process.versions.node.split(".").map(Number);
const nodeOk = major >= 20 && major < 23 && (major > 20 || minor >= 19);
add("node", nodeOk ? "ok" : "fail", `Node ${process.versions.node}; package.json engines ${pkg.engines.node}`, nodeOk ? "" : "install Node 20.19 or later (20.x/22.x; .nvmrc says 20)");

const missing = ["wrangler", "miniflare", "hono", "drizzle-orm", "tsx"].filter((dep) => !existsSync(join(root, "node_modules", dep, "package.json")));
add("dependencies", missing.length ? "fail" : "ok", missing.length ? `missing: ${missing.join(", ")}` : "installed", missing.length ? "run npm install" : "");

if (!missing.includes("wrangler")) {
  const w = spawnSync(process.execPath, [join(root, "node_modules/wrangler/bin/wrangler.js"), "--version"], { encoding: "utf8", timeout: 30_000 });
  add("wrangler", w.status === 0 ? "ok" : "fail", w.status === 0 ? w.stdout.trim().split("\n").pop() : (w.stderr || "did not run").trim().slice(0, 200), w.status === 0 ? "" : "reinstall: rm -rf node_modules && npm install");
}

const devVarsPath = join(root, ".dev.vars");
const devVars = existsSync(devVarsPath) ? parseDevVars(readFileSync(devVarsPath, "utf8")) : null;
const env = { ...(devVars ?? {}), ...process.env };
const port = Number(env.PORT ?? 8787);
const portFree = await new Promise((ok) => {
  const server = createServer().once("error", () => ok(false)).once("listening", () => server.close(() => ok(true)));
  server.listen(port, env.HOST ?? "127.0.0.1");
});
add("port", portFree ? "ok" : "fail", `${env.HOST ?? "127.0.0.1"}:${port} ${portFree ? "is free" : "is in use"}`, portFree ? "" : "stop what listens there or set PORT");

const REQUIRED_SECRETS = ["GLEANER_ADMIN_TOKEN"];
if (!devVars) {
  add(".dev.vars", "fail", "missing", "cp .dev.vars.example .dev.vars and set GLEANER_ADMIN_TOKEN to a long random string");
} else {
  const bad = REQUIRED_SECRETS.filter((s) => !devVars[s] || /change-me|placeholder|example|^x+$/i.test(devVars[s]) || devVars[s].length < 16);
  const mode = statSync(devVarsPath).mode & 0o077;
  add(".dev.vars", bad.length ? "fail" : "ok", bad.length ? `missing or placeholder: ${bad.join(", ")}` : `has ${REQUIRED_SECRETS.join(", ")}${mode ? " (readable by others: chmod 600 .dev.vars)" : ""}`,
    bad.length ? "set each to a long random value, e.g. openssl rand -base64 32" : "");
}

// npm start refuses to start without the secret an upstream names (`name=url|SECRET_NAME`); say so here first.
const keyed = (env.PROXY_UPSTREAMS ?? "").split(",").map((e) => /^([^=\s]+)=[^|\s]+\|(\S+)$/.exec(e.trim())).filter(Boolean);
if (keyed.length) {
  const unset = keyed.filter(([, , secret]) => !env[secret]).map(([, name, secret]) => `${secret} (upstream '${name}')`);
  add("proxy secrets", unset.length ? "fail" : "ok", unset.length ? `unset: ${unset.join(", ")}` : `set: ${keyed.map(([, , secret]) => secret).join(", ")}`,
    unset.length ? "set each in the environment or .dev.vars (npm start refuses to start without them)" : "");
}

const dataDir = resolve(root, env.GLEANER_DATA_DIR ?? ".gleaner");
if (existsSync(dataDir) && statSync(dataDir).mode & 0o077) {
  add("data dir", "warn", `${env.GLEANER_DATA_DIR ?? ".gleaner"} is readable by others`, "npm start tightens it to 0700, or: chmod 700 it now");
}
const migrations = readdirSync(join(root, "migrations")).filter((f) => f.endsWith(".sql")).sort();
const findSqlite = (dir) => {
  if (!existsSync(dir)) return null;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findSqlite(p);
      if (found) return found;
    } else if (entry.name.endsWith(".sqlite")) return p;
  }
  return null;
};
const sqlite = findSqlite(join(dataDir, "d1"));
if (!sqlite) {
  add("migrations", "ok", `no database yet in ${env.GLEANER_DATA_DIR ?? ".gleaner"}; npm start applies all ${migrations.length}`);
} else {
  try {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(sqlite, { readonly: true, fileMustExist: true });
    const applied = new Set(db.prepare("SELECT name FROM d1_migrations").all().map((r) => r.name));
    db.close();
    const pending = migrations.filter((m) => !applied.has(m));
    add("migrations", "ok", pending.length ? `${pending.length} pending (${pending.join(", ")}): npm start applies them` : `all ${migrations.length} applied`);
  } catch (err) {
    add("migrations", "warn", `could not read ${sqlite}: ${err.message}`);
  }
}

for (const [name, variable, path] of [["llm", "LLM_URL", "v1/models"], ["embeddings", "EMBEDDINGS_URL", "v1/models"], ["qdrant", "QDRANT_URL", "readyz"]]) {
  const base = env[variable];
  if (!base) {
    add(`optional ${name}`, "ok", `not configured (${variable}); the embedded default is used`);
    continue;
  }
  try {
    const res = await fetch(`${base.replace(/\/+$/, "")}/${path}`, { signal: AbortSignal.timeout(2000) });
    add(`optional ${name}`, res.status < 500 ? "ok" : "warn", `${base} answered ${res.status}`, res.status < 500 ? "" : `check the server behind ${variable}`);
  } catch {
    add(`optional ${name}`, "warn", `${base} unreachable`, `start it, or unset ${variable} to use the embedded default`);
  }
}

const width = Math.max(...results.map((r) => r.name.length));
for (const r of results) {
  const mark = r.status === "ok" ? "ok  " : r.status === "warn" ? "warn" : "FAIL";
  console.log(`${mark}  ${r.name.padEnd(width)}  ${r.detail}${r.fix ? `\n      ${"".padEnd(width)}  fix: ${r.fix}` : ""}`);
}
const failed = results.filter((r) => r.status === "fail");
console.log(failed.length ? `\n${failed.length} required check(s) failed.` : "\nAll required checks passed.");
process.exit(failed.length ? 1 : 0);

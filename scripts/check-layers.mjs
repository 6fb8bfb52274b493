// Checks the layers of src/ (README "Layout"): who may import whom, what pure domain code may not
// call, and that SQL lives in src/adapters. Run by `npm run lint`; prints `file:line: rule` for each
// violation and exits 1 if there is any. The rules are the tables below.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";

/**
 * The parts of src/, first match wins. `cron-entry` is what routes may use to run a job: the
 * dispatcher and its schedules, the job table and the runner that records each run.
 * Files in no part (index.ts, app.ts, env.ts, flags.ts, ui/, openapi/) import freely.
 */
const PARTS = [
  ["domain", /^src\/domain\//],
  ["adapters", /^src\/adapters\//],
  ["db", /^src\/db\//],
  ["pipeline", /^src\/pipeline\//],
  ["wiring", /^src\/wiring\.ts$/],
  ["queues", /^src\/queues\//],
  ["cron-entry", /^src\/cron\/(index|jobs|run-job)\.ts$/],
  ["cron", /^src\/cron\//],
  ["routes", /^src\/routes\//],
  ["config", /^src\/config\.ts$/],
];

/** Domain imports only these parts (and npm packages): it is pure. src/config.ts is the one module of limits and defaults. */
const DOMAIN_MAY_IMPORT = ["domain", "config"];

const HANDLERS = ["queues", "cron-entry", "cron", "routes"];

/** Forbidden imports: [from these parts, to these parts, why]. Data flows one way: handlers → pipeline → adapters → domain. */
const FORBIDDEN_IMPORTS = [
  [["adapters"], ["pipeline", "wiring", ...HANDLERS], "adapters never call use cases, the wiring or handlers"],
  [["pipeline"], ["wiring"], "use cases get their dependencies passed in: src/wiring.ts builds them for the handlers"],
  [["pipeline"], HANDLERS, "use cases never call handlers"],
  [["wiring"], HANDLERS, "the wiring builds dependencies; it never calls handlers"],
  [["queues"], ["cron-entry", "cron", "routes"], "a queue consumer never calls another entry point"],
  [["cron", "cron-entry"], ["queues", "routes"], "a cron job never calls another entry point"],
  [["routes"], ["queues"], "a route never imports a queue consumer (what both need, like queue names, belongs in src/domain)"],
  [["routes"], ["cron"], "a route runs jobs only through src/cron/{index,jobs,run-job}.ts, never a job module itself"],
];

/** npm packages kept to some parts: the D1 query builder to adapters and the schema, the runtime's modules out of domain. */
const PACKAGE_RULES = [
  { name: /^drizzle-orm(\/|$)/, onlyIn: ["adapters", "db"], why: "SQL only in src/adapters: drizzle-orm is imported only there and in src/db" },
  { name: /^(cloudflare|node):/, notIn: ["domain"], why: "domain is pure: no runtime modules" },
];

/** Calls that are I/O, a clock or randomness (and `new Date()` without arguments): domain gets their results passed in. */
const IMPURE_CALLS = ["fetch", "Date.now", "performance.now", "Math.random", "crypto.randomUUID", "crypto.getRandomValues", "setTimeout", "setInterval"];

/** SQL outside adapters: a D1 binding's query methods, or a string that reads as a statement. */
const SQL_ALLOWED_IN = ["adapters", "db"];
const D1_METHODS = new Set(["prepare", "exec", "batch"]);
/** The names a D1 binding goes by: env.DB, c.env.DB, deps.db, this.db, db. */
const D1_RECEIVER = /(^|\.)(DB|db)$/;
const SQL_TEXT = [/\bSELECT\b[\s\S]*\bFROM\b/, /\bINSERT\s+(OR\s+\w+\s+)?INTO\b/, /\bUPDATE\s+\w+\s+SET\b/, /\bDELETE\s+FROM\b/];

const ROOT = join(dirname(new URL(import.meta.url).pathname), "..");

function partOf(file) {
  return PARTS.find(([, pattern]) => pattern.test(file))?.[0] ?? null;
}

function sourceFiles(dir) {
  return readdirSync(join(ROOT, dir), { recursive: true })
    .map((f) => join(dir, String(f)).replaceAll("\\", "/"))
    .filter((f) => f.endsWith(".ts") && statSync(join(ROOT, f)).isFile())
    .sort();
}

/** The src/ file a relative specifier names (`../cron` is src/cron/index.ts), or null for a package. */
function resolve(from, specifier) {
  if (!specifier.startsWith(".")) return null;
  const base = join(dirname(from), specifier).replaceAll("\\", "/");
  return [base, `${base}.ts`, `${base}/index.ts`].find((f) => f.endsWith(".ts") && existsSync(join(ROOT, f))) ?? base;
}

function importViolation(file, part, specifier) {
  const target = resolve(file, specifier);
  if (target === null) {
    const rule = PACKAGE_RULES.find((r) => r.name.test(specifier) && (r.onlyIn ? !r.onlyIn.includes(part) : r.notIn.includes(part)));
    return rule ? `${rule.why} (imports '${specifier}')` : null;
  }
  const to = partOf(target);
  if (to === part) return null;
  if (part === "domain") {
    return DOMAIN_MAY_IMPORT.includes(to) ? null : `domain is pure: it imports only domain files, src/config.ts and npm packages (imports ${target})`;
  }
  const rule = FORBIDDEN_IMPORTS.find(([from, toParts]) => from.includes(part) && toParts.includes(to));
  return rule ? `${rule[2]} (imports ${target})` : null;
}

/** The dotted name of a callee (`crypto.randomUUID`), or null when it is not a plain name chain. */
function calleeName(node) {
  if (ts.isIdentifier(node)) return node.text;
  if (node.kind === ts.SyntaxKind.ThisKeyword) return "this";
  if (ts.isPropertyAccessExpression(node)) {
    const left = calleeName(node.expression);
    return left === null ? null : `${left}.${node.name.text}`;
  }
  return null;
}

function literalText(node) {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(" ");
  return null;
}

function check(file) {
  const part = partOf(file);
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true);
  const found = [];
  const report = (node, rule) => found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${rule}`);

  // `quiet`: inside a D1 call already reported, so its SQL text is not reported again.
  function visit(node, quiet = false) {
    const specifier =
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
        ? node.moduleSpecifier.text
        : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])
          ? node.arguments[0].text
          : null;
    if (specifier !== null) {
      const rule = importViolation(file, part, specifier);
      if (rule) report(node, rule);
      if (!ts.isCallExpression(node)) return;
    }
    if (ts.isCallExpression(node)) {
      const name = calleeName(node.expression);
      if (part === "domain" && name !== null && IMPURE_CALLS.includes(name.replace(/^(globalThis|self)\./, ""))) {
        report(node, `domain is pure: no I/O, clock or randomness (calls ${name}); take it as a parameter`);
      }
      if (!SQL_ALLOWED_IN.includes(part) && ts.isPropertyAccessExpression(node.expression) && D1_METHODS.has(node.expression.name.text)) {
        const receiver = calleeName(node.expression.expression);
        if (receiver !== null && D1_RECEIVER.test(receiver)) {
          report(node, `SQL only in src/adapters (calls ${receiver}.${node.expression.name.text})`);
          quiet = true;
        }
      }
    }
    if (part === "domain" && ts.isNewExpression(node) && calleeName(node.expression) === "Date" && !node.arguments?.length) {
      report(node, "domain is pure: no I/O, clock or randomness (reads the clock with new Date()); take the time as a parameter");
    }
    const text = literalText(node);
    if (text !== null && !quiet && !SQL_ALLOWED_IN.includes(part) && SQL_TEXT.some((re) => re.test(text))) {
      report(node, `SQL only in src/adapters (a SQL statement in a string: "${text.replace(/\s+/g, " ").trim().slice(0, 40)}…")`);
    }
    ts.forEachChild(node, (child) => visit(child, quiet));
  }
  visit(source);
  return found;
}

const files = sourceFiles("src");
const violations = files.flatMap(check);
for (const v of violations) console.log(v);
if (violations.length) {
  console.error(`check-layers: ${violations.length} violation(s); the rules are at the top of scripts/check-layers.mjs`);
  process.exit(1);
}
console.log(`check-layers: ${files.length} files, layers respected`);

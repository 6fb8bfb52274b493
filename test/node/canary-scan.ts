import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { gunzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { runSecretLint } from "secretlint";
import type { IdLabels } from "./canary-traffic";

/** One canary secret found in clear: which family, in which form, where, and by which entrances it came in. */
export interface Leak {
  family: string;
  form: string;
  where: string;
  places: Set<string>;
  count: number;
  /** The text around the first hit, every canary secret in it masked. */
  sample: string;
}

/** One secretlint report: the rule, where, and the canary family it overlaps (null: not one of ours). */
export interface LintHit {
  /** The rule that fired (`@secretlint/secretlint-rule-github`). */
  ruleId: string;
  /** The rule and message, shortened (`github/GITHUB_TOKEN`). */
  rule: string;
  where: string;
  family: string | null;
  count: number;
}

/** The forms a stored or logged secret can take: as sent, URL-encoded, JSON-escaped once and twice. */
export function formsOf(secret: string): { form: string; text: string }[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const all = [
    { form: "raw", text: secret },
    { form: "url-encoded", text: encodeURIComponent(secret) },
    { form: "json-escaped", text: json },
    { form: "json-escaped-twice", text: JSON.stringify(json).slice(1, -1) },
  ];
  return all.filter((f, i) => all.findIndex((g) => g.text === f.text) === i);
}

/** The marker in front of every canary text the test sends. */
const MARKER = /cnry\/([a-z0-9-]+)/g;
/** Ids Gleaner stores or logs next to a probe's text: our labels (also inside `proxy:` ids), OTLP span ids, legacy ids. */
const ID = /cnry\.[a-z0-9_-]+\.[a-z0-9_-]+\.\d+|[0-9a-f]{32}:[0-9a-f]{16}|legacy-[0-9a-f]{64}/g;
/** Most occurrences of one form counted per source: past that, more of the same says nothing new. */
const MAX_HITS_PER_SOURCE = 500;
const SECRETLINT_CONFIG = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend" }] };
const SQLITE_MAGIC = Buffer.from("SQLite format 3\0");

/**
 * Searches everything Gleaner left behind for canary secrets: plainly (every
 * form of every secret) and with secretlint's recommended preset. Sources are
 * files (SQLite databases row by row and as raw bytes, gzip archives
 * unpacked, anything else as text), the service log and HTTP answers.
 */
export class LeakScan {
  private readonly leaks = new Map<string, Leak>();
  private readonly lint = new Map<string, LintHit>();
  private readonly toLint: { where: string; content: string }[] = [];
  private readonly secrets: { family: string; form: string; text: string }[];
  private readonly longest: number;
  /** What was read: so a test can tell an empty scan from a clean one. */
  readonly stats = { files: 0, bytes: 0, databases: 0, rows: 0, texts: 0 };

  constructor(
    secrets: readonly { family: string; secret: string }[],
    private readonly ids: IdLabels,
  ) {
    this.secrets = secrets.flatMap((s) => formsOf(s.secret).map((f) => ({ family: s.family, ...f })));
    this.longest = Math.max(...this.secrets.map((s) => s.text.length));
  }

  /**
   * The entrance a hit came by: the nearest place marker (`cnry/<place>`)
   * before it in `context`, else the nearest id (a label, or an id Gleaner
   * derived from ours).
   */
  private placeOf(context: string, at: number): string {
    let marker: string | undefined;
    for (const m of context.slice(0, at).matchAll(MARKER)) marker = m[1];
    if (marker) return marker;
    let best: { d: number; id: string } | undefined;
    for (const m of context.matchAll(ID)) {
      const d = Math.abs(m.index - at);
      if (!best || d < best.d) best = { d, id: m[0] };
    }
    if (!best) return "?";
    const label = best.id.startsWith("cnry.") ? best.id : this.ids.get(best.id);
    return label ? `${label.split(".")[1]!} (by id)` : "?";
  }

  /** `text` around `at`, every secret (even one cut by the edges) replaced by its family's name. */
  private masked(text: string, at: number): string {
    const from = Math.max(0, at - 80);
    const to = Math.min(text.length, at + 160);
    const owner = new Array<string | undefined>(to - from);
    const around = text.slice(Math.max(0, from - this.longest), to + this.longest);
    const shift = Math.max(0, from - this.longest) - from;
    for (const s of this.secrets) {
      for (let i = around.indexOf(s.text); i >= 0; i = around.indexOf(s.text, i + 1)) {
        for (let k = Math.max(0, i + shift); k < Math.min(owner.length, i + shift + s.text.length); k++) owner[k] = s.family;
      }
    }
    let out = "";
    for (let k = 0; k < owner.length; k++) {
      if (owner[k] === undefined) out += text[from + k];
      else if (owner[k - 1] !== owner[k]) out += `<${owner[k]}>`;
    }
    return out.replace(/[^\x20-\x7e]/g, ".");
  }

  private record(family: string, form: string, where: string, place: string, sample: () => string) {
    const key = `${family}\0${form}\0${where}`;
    const leak = this.leaks.get(key) ?? { family, form, where, places: new Set<string>(), count: 0, sample: sample() };
    leak.places.add(place);
    leak.count++;
    this.leaks.set(key, leak);
  }

  /**
   * Plain search of one unit of text (a row value, a log line, an export
   * line, a whole file). `context` and `offset` place it in a larger text for
   * attribution (a row, a window of a file).
   */
  search(where: string, text: string, context = text, offset = 0): number {
    let found = 0;
    for (const s of this.secrets) {
      let hits = 0;
      for (let at = text.indexOf(s.text); at >= 0 && hits < MAX_HITS_PER_SOURCE; at = text.indexOf(s.text, at + 1)) {
        hits++;
        const window = context === text ? context.slice(Math.max(0, at - 4000), at + 1000) : context;
        const pos = context === text ? Math.min(at, 4000) : offset + at;
        this.record(s.family, s.form, where, this.placeOf(window, pos), () => this.masked(text, at));
      }
      found += hits;
    }
    return found;
  }

  /** Queues a text for secretlint and searches it plainly. */
  text(where: string, text: string): void {
    this.stats.texts++;
    this.search(where, text);
    this.toLint.push({ where, content: text });
  }

  /** A log or an export: searched line by line, so each hit is attributed by its own line; linted whole. */
  lines(where: string, text: string): void {
    text.split("\n").forEach((line) => {
      if (line) this.search(where, line);
    });
    this.toLint.push({ where, content: text });
  }

  /** Every file under `root`, recursively. */
  directory(root: string, dir = root): void {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) this.directory(root, path);
      else if (entry.isFile()) this.file(root, path);
    }
  }

  private file(root: string, path: string): void {
    const where = relative(root, path);
    const bytes = readFileSync(path);
    this.stats.files++;
    this.stats.bytes += bytes.length;
    if (bytes.subarray(0, 16).equals(SQLITE_MAGIC)) this.database(where, path);
    // Raw bytes as text (latin1 keeps every byte): pages of deleted rows, WAL frames, anything not a live row.
    this.text(bytes.subarray(0, 16).equals(SQLITE_MAGIC) || /-(wal|shm|journal)$/.test(path) ? `${where} (raw bytes)` : where, bytes.toString("latin1"));
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        this.text(`${where} (gunzipped)`, gunzipSync(bytes).toString("utf8"));
      } catch {
        // Not gzip after all: its raw bytes were scanned above.
      }
    }
  }

  /** A SQLite file row by row (a copy with its -wal/-shm, opened read-only), naming table and column. */
  private database(where: string, path: string): void {
    const dir = mkdtempSync(join(tmpdir(), "gleaner-canary-db-"));
    try {
      const copy = join(dir, basename(path));
      for (const suffix of ["", "-wal", "-shm"]) if (existsSync(path + suffix)) copyFileSync(path + suffix, copy + suffix);
      const db = new Database(copy, { readonly: true, fileMustExist: true });
      this.stats.databases++;
      const dump: string[] = [];
      try {
        const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
        for (const table of tables) {
          let rows: Record<string, unknown>[];
          try {
            rows = db.prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`).all() as Record<string, unknown>[];
          } catch (err) {
            dump.push(`${table}: unreadable (${(err as Error).message})`);
            continue;
          }
          this.stats.rows += rows.length;
          for (const row of rows) {
            const values = Object.entries(row).flatMap(([column, v]) =>
              typeof v === "string" ? [[column, v] as const] : Buffer.isBuffer(v) ? [[column, v.toString("utf8")] as const] : [],
            );
            const context = values.map(([, v]) => v).join("\n");
            let offset = 0;
            for (const [column, value] of values) {
              this.search(`${where} ${table}.${column}`, value, context, offset);
              dump.push(`${table}.${column}: ${value}`);
              offset += value.length + 1;
            }
          }
        }
      } finally {
        db.close();
      }
      this.toLint.push({ where: `${where} (rows)`, content: dump.join("\n") });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Runs secretlint (recommended preset, secrets masked) over every queued text. */
  private async runSecretlint(): Promise<void> {
    for (const { where, content } of this.toLint) {
      const { stdout } = await runSecretLint({
        cliOptions: { cwd: process.cwd(), stdinContent: content, stdinFileName: "scanned.txt" },
        engineOptions: { formatter: "json", color: false, maskSecrets: true, configFileJSON: SECRETLINT_CONFIG },
      });
      const results = JSON.parse(stdout ?? "[]") as { messages: { ruleId: string; messageId?: string; range: [number, number] }[] }[];
      for (const m of results.flatMap((r) => r.messages)) {
        const [from, to] = m.range;
        // The canary whose text overlaps the match, searched only around it (contents are megabytes).
        const start = Math.max(0, from - this.longest);
        const around = content.slice(start, to + this.longest);
        const family = this.secrets.find((s) => {
          for (let at = around.indexOf(s.text); at >= 0; at = around.indexOf(s.text, at + 1)) {
            if (start + at < to && start + at + s.text.length > from) return true;
          }
          return false;
        })?.family;
        const rule = `${m.ruleId.replace("@secretlint/secretlint-rule-", "")}${m.messageId ? `/${m.messageId}` : ""}`;
        const key = `${rule}\0${where}\0${family}`;
        const hit = this.lint.get(key) ?? { ruleId: m.ruleId, rule, where, family: family ?? null, count: 0 };
        hit.count++;
        this.lint.set(key, hit);
      }
    }
  }

  /** Every leak and secretlint hit, after linting what was queued. */
  async finish(): Promise<{ leaks: Leak[]; lint: LintHit[] }> {
    await this.runSecretlint();
    return { leaks: [...this.leaks.values()], lint: [...this.lint.values()] };
  }
}

/** Where a finding is, in a few words: the store and table.column, raw bytes, an archive, an export format, the log. */
export function storeOf(where: string): string {
  const short = where
    .replace(/^d1\/miniflare-D1DatabaseObject\/[0-9a-f]{64}\.sqlite-wal/, "D1 WAL")
    .replace(/^d1\/miniflare-D1DatabaseObject\/[0-9a-f]{64}\.sqlite/, "D1")
    .replace(/^r2\/[^/]+\/blobs\/[0-9a-f]+/, "R2 object");
  const exported = /^GET \/v1\/datasets\/[^/]+\/snapshots\/(?:\d+|current)(\.jsonl(?:\?format=([a-z-]+))?|\/manifest|\/diff)$/.exec(short);
  if (exported) return exported[2] ? `export ${exported[2]}` : exported[1] === ".jsonl" ? "export current/default" : `snapshot ${exported[1]!.slice(1)}`;
  return short;
}

const listed = (names: readonly string[], max = 6) => `${names.slice(0, max).join(", ")}${names.length > max ? ` +${names.length - max}` : ""}`;

/**
 * A report a person can act on, never the secrets themselves: how many
 * families leak, through which entrances and into which stores, then each
 * family with where, in which forms, by which entrances, and a masked sample;
 * then every secretlint report.
 */
export function describeFindings(leaks: readonly Leak[], lint: readonly LintHit[], families: number): string {
  const out: string[] = [];
  const group = <K extends string>(items: readonly Leak[], key: (l: Leak) => K[]) => {
    const map = new Map<K, Set<string>>();
    for (const l of items) for (const k of key(l)) map.set(k, (map.get(k) ?? new Set()).add(l.family));
    return [...map].sort((a, b) => b[1].size - a[1].size || a[0].localeCompare(b[0]));
  };
  if (leaks.length) {
    const leaking = new Set(leaks.map((l) => l.family));
    out.push(`canary secrets found in clear: ${leaking.size} of ${families} families`);
    out.push("  by entrance (families):");
    for (const [place, fams] of group(leaks, (l) => [...l.places])) out.push(`    ${place}: ${fams.size} (${listed([...fams])})`);
    out.push("  by store (families):");
    for (const [store, fams] of group(leaks, (l) => [storeOf(l.where)])) out.push(`    ${store}: ${fams.size} (${listed([...fams])})`);
    out.push("  by family:");
    for (const family of [...leaking].sort()) {
      const mine = leaks.filter((l) => l.family === family);
      const stores = new Map<string, number>();
      for (const l of mine) stores.set(storeOf(l.where), (stores.get(storeOf(l.where)) ?? 0) + l.count);
      const forms = [...new Set(mine.map((l) => l.form))].join("/");
      out.push(`    ${family} [${forms}]: ${[...stores].map(([k, n]) => `${k} ×${n}`).join(", ")}`);
      out.push(`      via ${[...new Set(mine.flatMap((l) => [...l.places]))].sort().join(", ")}`);
      out.push(`      e.g. …${mine[0]!.sample}…`);
    }
  }
  if (lint.length) {
    out.push(`secretlint (recommended preset): ${lint.reduce((n, h) => n + h.count, 0)} reports`);
    const byRule = new Map<string, LintHit[]>();
    for (const h of lint) {
      const key = `${h.rule} on ${h.family ?? "NOT A CANARY"}`;
      byRule.set(key, [...(byRule.get(key) ?? []), h]);
    }
    for (const [rule, hits] of [...byRule].sort(([a], [b]) => a.localeCompare(b))) {
      const stores = new Map<string, number>();
      for (const h of hits) stores.set(storeOf(h.where), (stores.get(storeOf(h.where)) ?? 0) + h.count);
      out.push(`  ${rule}: ${[...stores].map(([k, n]) => `${k} ×${n}`).join(", ")}`);
    }
  }
  return out.join("\n");
}

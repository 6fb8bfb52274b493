/** Who did it: the admin token, or a project key by its id (dataset curation). */
/** Who acted: the admin token, npm start's runner using it, or a project key. */
export type Actor = "admin" | "admin:runner" | `key:${string}`;

export const ADMIN: Actor = "admin";

export const keyActor = (keyId: string): Actor => `key:${keyId}`;

/** Every action the log records, by its stable dotted name. */
export const AUDIT_ACTIONS = [
  "key.create",
  "key.revoke",
  "scoring.profile.create",
  "scoring.profile.adopt_fit",
  "scoring.rules.replace",
  "retention.set",
  "archive.restore",
  "dataset.create",
  "dataset.update",
  "dataset.snapshot",
  "dataset.example.remove",
  "dataset.example.restore",
  "dataset.rollback",
  "dead_letter.replay",
  "dead_letter.purge",
  "job.run",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One action to record. `details` is small and never holds a secret (no key, no token). */
export interface AuditRecord {
  actor: Actor;
  action: AuditAction;
  /** What it acted on: a key id, a profile, a project, a dataset, a job. */
  target: string;
  project?: string | null;
  details?: Record<string, unknown>;
}

/** One entry as `GET /v1/admin/audit` answers it. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  project: string | null;
  details: Record<string, unknown>;
}

interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string;
  project: string | null;
  details: string | null;
  reason: string | null;
}

const bindings = (r: AuditRecord, now: number) => [now, r.actor, r.action, r.target, r.project ?? null, JSON.stringify(r.details ?? {})];

/**
 * The insert for one entry, to run in the same `db.batch` as the action it
 * records, so an action is never committed without its entry.
 *
 * @example
 * await db.batch([db.prepare("UPDATE …").bind(…), auditStatement(db, { actor: ADMIN, action: "retention.set", target: project }, now)]);
 */
export function auditStatement(db: D1Database, record: AuditRecord, now: number): D1PreparedStatement {
  return db.prepare("INSERT INTO audit_log (at, actor, action, subject, project, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").bind(...bindings(record, now));
}

/**
 * Like `auditStatement`, but writes only when the statement just before it in
 * the batch changed a row (SQLite's `changes()`): for an action that may find
 * nothing to act on.
 */
export function auditIfChangedStatement(db: D1Database, record: AuditRecord, now: number): D1PreparedStatement {
  return db
    .prepare("INSERT INTO audit_log (at, actor, action, subject, project, details) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE changes() > 0")
    .bind(...bindings(record, now));
}

/** Records an action already committed, for adapters that cannot take the entry into their own batch. */
export async function recordAudit(db: D1Database, record: AuditRecord, now: number): Promise<void> {
  await auditStatement(db, record, now).run();
}

function toEntry(r: AuditRow): AuditEntry {
  const details = r.details === null ? {} : (JSON.parse(r.details) as Record<string, unknown>);
  return {
    id: r.seq,
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    target: r.subject,
    project: r.project,
    details: r.reason === null ? details : { ...details, reason: r.reason },
  };
}

/** A page of entries, newest first; `nextBefore` is the `before` of the next page, null on the last. */
export async function listAudit(db: D1Database, opts: { limit: number; before?: number }): Promise<{ entries: AuditEntry[]; nextBefore: number | null }> {
  const { results } = await db
    .prepare("SELECT seq, at, actor, action, subject, project, details, reason FROM audit_log WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2")
    .bind(opts.before ?? Number.MAX_SAFE_INTEGER, opts.limit + 1)
    .all<AuditRow>();
  const entries = results.slice(0, opts.limit).map(toEntry);
  const last = entries.at(-1);
  return { entries, nextBefore: results.length > opts.limit && last ? last.id : null };
}

/** Deletes entries older than `olderThan` (ms since the epoch); returns how many. */
export async function pruneAudit(db: D1Database, olderThan: number): Promise<number> {
  const res = await db.prepare("DELETE FROM audit_log WHERE at < ?1").bind(olderThan).run();
  return res.meta.changes ?? 0;
}

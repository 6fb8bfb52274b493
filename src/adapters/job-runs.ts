export interface JobRun {
  name: string;
  last_started_at: number | null;
  last_success_at: number | null;
  last_error: string | null;
  last_result: string | null;
  runs: number;
  failures: number;
}

export async function recordJobStart(db: D1Database, name: string, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO job_runs (name, last_started_at, runs) VALUES (?1, ?2, 1)
       ON CONFLICT (name) DO UPDATE SET last_started_at = excluded.last_started_at, runs = runs + 1`,
    )
    .bind(name, now)
    .run();
}

export function recordJobSuccessStatement(db: D1Database, name: string, now: number, result: unknown): D1PreparedStatement {
  return db.prepare("UPDATE job_runs SET last_success_at = ?2, last_result = ?3, last_error = NULL WHERE name = ?1").bind(name, now, JSON.stringify(result));
}

export function recordJobFailureStatement(db: D1Database, name: string, error: string): D1PreparedStatement {
  return db.prepare("UPDATE job_runs SET last_error = ?2, failures = failures + 1 WHERE name = ?1").bind(name, error);
}

export async function listJobRuns(db: D1Database): Promise<JobRun[]> {
  return (await db.prepare("SELECT * FROM job_runs ORDER BY name").all<JobRun>()).results;
}

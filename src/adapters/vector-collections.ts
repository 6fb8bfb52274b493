import { collectionName } from "./vector-store";

export interface CollectionRow {
  name: string;
  kind: string;
  model: string;
  dimension: number;
  status: "active" | "filling" | "retired";
  cursor: number;
}

export interface CollectionPlan {
  /** Where searches go: the active collection (complete). */
  read: CollectionRow;
  /** Where new vectors go: the configured model's collection (the filling one during a model change). */
  write: CollectionRow;
}

/**
 * Resolves the collections of a kind for the configured embedding model. The
 * first use creates an active collection. A different model adds a `filling`
 * collection: new vectors go there, searches stay on the old, complete one
 * until the re-embed job has filled the new one. The old is never written.
 */
export async function planCollections(db: D1Database, kind: string, model: string, dimension: number, now: number): Promise<CollectionPlan> {
  const name = collectionName(kind, model, dimension);
  // One round trip: the insert and the read of what it left, in one transaction.
  const [, listed] = await db.batch<CollectionRow>([
    db
      .prepare(
        `INSERT INTO vector_collections (name, kind, model, dimension, status, created_at)
         SELECT ?1, ?2, ?3, ?4, CASE WHEN EXISTS (SELECT 1 FROM vector_collections WHERE kind = ?2 AND status = 'active') THEN 'filling' ELSE 'active' END, ?5
         WHERE NOT EXISTS (SELECT 1 FROM vector_collections WHERE name = ?1)`,
      )
      .bind(name, kind, model, dimension, now),
    db.prepare("SELECT name, kind, model, dimension, status, cursor FROM vector_collections WHERE kind = ?1 AND status != 'retired'").bind(kind),
  ]);
  const results = listed?.results ?? [];
  const write = results.find((r) => r.name === name);
  const read = results.find((r) => r.status === "active");
  if (!write || !read) throw new Error(`vector collections of '${kind}' are inconsistent`);
  if (write.status === "retired") throw new Error(`collection ${name} was retired; configure a new model name`);
  return { read, write };
}

/** Advances a filling collection's cursor; `done` makes it active and retires the old active one. */
export function advanceFillStatements(db: D1Database, row: CollectionRow, cursor: number, done: boolean): D1PreparedStatement[] {
  const statements = [db.prepare("UPDATE vector_collections SET cursor = ?2 WHERE name = ?1").bind(row.name, cursor)];
  if (done) {
    statements.push(
      db.prepare("UPDATE vector_collections SET status = 'retired' WHERE kind = ?1 AND status = 'active' AND name != ?2").bind(row.kind, row.name),
      db.prepare("UPDATE vector_collections SET status = 'active' WHERE name = ?1").bind(row.name),
    );
  }
  return statements;
}

import { withMessages } from "./conversation";
import { CURRENT_SCHEMA_VERSION, type StoredEvent } from "./event-schema";

type Upcaster = (event: Record<string, unknown>) => Record<string, unknown>;

/**
 * Upcasters from version N to N+1, keyed by N. Stored records keep the version
 * they were written with; readers bring them to the current one here.
 */
const UPCASTERS: Record<number, Upcaster> = {
  // v1 → v2: v2 is a superset; the conversation is the query as a user message and the response as an assistant message.
  1: (event) => withMessages(event as Pick<StoredEvent, "messages" | "query" | "response">) as Record<string, unknown>,
};

/** Brings a stored event of any known version to the current schema version. */
export function upcastEvent(event: Record<string, unknown>, version: number): StoredEvent {
  if (version > CURRENT_SCHEMA_VERSION) throw new Error(`schema version ${version} is newer than this build knows (${CURRENT_SCHEMA_VERSION})`);
  let current = event;
  for (let v = version; v < CURRENT_SCHEMA_VERSION; v++) {
    const up = UPCASTERS[v];
    if (!up) throw new Error(`no upcaster from schema version ${v}`);
    current = up(current);
  }
  return { ...current, schema_version: CURRENT_SCHEMA_VERSION } as StoredEvent;
}

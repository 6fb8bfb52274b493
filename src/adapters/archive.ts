import { sha256Hex } from "../domain/sha256";
import type { EventRecord } from "./event-store";

export interface ArchiveManifest {
  key: string;
  project: string;
  events: number;
  /** Bytes of the uncompressed NDJSON. */
  bytes: number;
  /** SHA-256 of the uncompressed NDJSON. */
  sha256: string;
  first_seq: number;
  last_seq: number;
  from_time: string;
  to_time: string;
  compressed_bytes: number;
}

/** One archived line: the stored event exactly as readers see it, with its server facts. */
export function archiveLine(r: EventRecord): string {
  return JSON.stringify({ seq: r.seq, project: r.project, event_id: r.eventId, schema_version: r.schemaVersion, received_at: r.receivedAt, event: r.event });
}

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Reads an archive object back: the uncompressed NDJSON, or null when it is missing. */
export async function readArchive(bucket: R2Bucket, key: string): Promise<string | null> {
  const object = await bucket.get(key);
  if (!object) return null;
  return new Response(object.body.pipeThrough(new DecompressionStream("gzip"))).text();
}

/**
 * Writes records as gzip NDJSON plus a manifest, then reads the object back
 * and checks line count and SHA-256 before anyone may delete the originals.
 */
export async function writeVerifiedArchive(bucket: R2Bucket, key: string, project: string, records: readonly EventRecord[]): Promise<ArchiveManifest> {
  const first = records[0];
  const last = records.at(-1);
  if (!first || !last) throw new Error(`archive ${key} would hold no events`);
  const text = records.map((r) => `${archiveLine(r)}\n`).join("");
  const body = new TextEncoder().encode(text);
  const sha256 = await sha256Hex(body);
  const compressed = await gzip(text);
  const manifest: ArchiveManifest = {
    key,
    project,
    events: records.length,
    bytes: body.byteLength,
    sha256,
    first_seq: first.seq,
    last_seq: last.seq,
    from_time: new Date(Math.min(...records.map((r) => r.receivedAt))).toISOString(),
    to_time: new Date(Math.max(...records.map((r) => r.receivedAt))).toISOString(),
    compressed_bytes: compressed.byteLength,
  };
  await bucket.put(key, compressed, {
    httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
    customMetadata: { sha256, events: String(records.length) },
  });
  await bucket.put(`${key}.manifest.json`, JSON.stringify(manifest, null, 2), { httpMetadata: { contentType: "application/json" } });
  const back = await readArchive(bucket, key);
  if (back === null) throw new Error(`archive ${key} is missing right after it was written`);
  const lines = back === "" ? 0 : back.split("\n").length - 1;
  if (lines !== records.length || (await sha256Hex(back)) !== sha256) {
    throw new Error(`archive ${key} did not read back intact (${lines} of ${records.length} lines)`);
  }
  return manifest;
}

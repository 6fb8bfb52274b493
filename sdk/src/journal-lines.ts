import { createReadStream } from "node:fs";
import type { BufferedEvent } from "./journal.js";

/**
 * The journal's line format. An event line is built by hand so that the
 * event's JSON is kept byte for byte as it will be sent:
 *
 *   {"s":12,"e":{...event...}}   an event (sequence number, JSON as sent)
 *   {"a":[12,13]}                these events have a verdict
 */
export function eventLine(event: BufferedEvent): string {
  return `{"s":${event.seq},"e":${event.json}}\n`;
}

export function settledLine(seqs: number[]): string {
  return `{"a":[${seqs.join(",")}]}\n`;
}

/** What a journal file holds: the settled sequence numbers, the highest number, and lines that could not be read. */
export async function scanJournal(path: string): Promise<{ settled: Set<number>; maxSeq: number; corruptLines: number }> {
  const settled = new Set<number>();
  let maxSeq = 0;
  let corruptLines = 0;
  for await (const { line, terminated } of readLines(path)) {
    const event = parseEvent(line);
    if (event) {
      maxSeq = Math.max(maxSeq, event.seq);
      continue;
    }
    const verdicts = parseSettled(line);
    if (verdicts) for (const seq of verdicts) settled.add(seq);
    // An unterminated last line is a write cut short by a crash: its track() never resolved.
    else if (terminated && line.trim() !== "") corruptLines++;
  }
  return { settled, maxSeq, corruptLines };
}

/** The lines of a file, streamed; `terminated` is false only for a last line without its newline. */
export async function* readLines(path: string): AsyncGenerator<{ line: string; terminated: boolean }> {
  try {
    // A utf8 stream decodes characters split across chunks correctly.
    const stream = createReadStream(path, { encoding: "utf8", highWaterMark: 64 * 1024 });
    let carry = "";
    for await (const chunk of stream) {
      carry += chunk as string;
      let newline: number;
      while ((newline = carry.indexOf("\n")) !== -1) {
        yield { line: carry.slice(0, newline), terminated: true };
        carry = carry.slice(newline + 1);
      }
    }
    if (carry !== "") yield { line: carry, terminated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

export function parseEvent(line: string): BufferedEvent | null {
  if (!line.startsWith('{"s":')) return null;
  try {
    const parsed = JSON.parse(line) as { s?: unknown; e?: { id?: unknown } };
    if (typeof parsed.s !== "number" || typeof parsed.e?.id !== "string") return null;
    const json = line.slice(line.indexOf(',"e":') + 5, -1);
    return { seq: parsed.s, id: parsed.e.id, json, bytes: Buffer.byteLength(json) };
  } catch {
    return null;
  }
}

function parseSettled(line: string): number[] | null {
  if (!line.startsWith('{"a":')) return null;
  try {
    const parsed = JSON.parse(line) as { a?: unknown };
    return Array.isArray(parsed.a) && parsed.a.every((n) => typeof n === "number") ? (parsed.a as number[]) : null;
  } catch {
    return null;
  }
}

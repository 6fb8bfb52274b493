/**
 * Ingest's validation alone, in Node: `tsx bench/profile/validate.ts [bodies]`. Times splitBody and validateItems
 * (strict scan, schema check, redaction, serialisation) per 100-event body of the bench's own events, twice (the
 * first pass warms the JIT). For comparing a change to validation with the code before it (run both in turn, several
 * times: one run varies by ±15 % on a shared machine); `node --cpu-prof` on an esbuild bundle of this file gives the lines.
 */
import { splitBody, validateItems } from "../../src/domain/ingest-batch";
import { isProblem } from "../../src/domain/problem";
import { redactionRules } from "../../src/domain/redaction";
import { EventFactory } from "../lib/events";

const count = Number(process.argv[2] ?? 3000);
const factory = new EventFactory("validate");
const bodies = Array.from({ length: 200 }, () => factory.body(100).text);
const limits = { maxEventsPerRequest: 1000, maxEventBytes: 1 << 20, redaction: redactionRules({ emails: false, disabledKinds: [] }) };
for (const pass of ["warm-up", "measured"]) {
  let split = 0;
  let validate = 0;
  let valid = 0;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const items = splitBody(bodies[i % bodies.length] as string, "application/json");
    const t1 = performance.now();
    if (isProblem(items)) throw new Error(items.message);
    const result = validateItems(items, limits);
    validate += performance.now() - t1;
    split += t1 - t0;
    if (isProblem(result)) throw new Error(result.message);
    valid += result.valid.length;
  }
  console.log(`${pass}: splitBody ${(split / count).toFixed(3)} ms, validateItems ${(validate / count).toFixed(3)} ms per 100-event body (${valid} valid)`);
}

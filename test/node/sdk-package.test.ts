import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { eventV2Schema, toFieldErrors, type EventV2 } from "../../src/domain/event-schema";
import { createGleanerClient, type GleanerEvent } from "../../sdk/src/index";

const SDK = resolve(import.meta.dirname, "../../sdk");
const TSC = resolve(SDK, "../node_modules/typescript/bin/tsc");
const run = promisify(execFile);

/** This process's environment without what `npm run`/`npx` put there (prefixes, the checkout's package). */
function plainEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== "NODE_PATH" && name !== "INIT_CWD"));
}

/**
 * A stand-in for `POST /v1/events` that validates each event with the server's
 * own schema and answers as ingest does: 202 (all stored), 207 (some rejected)
 * or 400 `no_valid_events`, each with `{ accepted, duplicates, rejected, results }`.
 */
async function startSchemaServer() {
  const received: unknown[] = [];
  const auth: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      auth.push(req.headers.authorization);
      const events = (JSON.parse(body) as { events: unknown[] }).events;
      const results = events.map((event, index) => {
        received.push(event);
        const checked = eventV2Schema.safeParse(event);
        return checked.success
          ? { index, id: checked.data.id, status: "accepted" as const }
          : { index, status: "rejected" as const, errors: toFieldErrors(checked.error) };
      });
      const rejected = results.filter((r) => r.status === "rejected").length;
      const summary = { accepted: results.length - rejected, duplicates: 0, rejected, results };
      const [status, answer] =
        rejected === 0
          ? [202, summary]
          : rejected < results.length
            ? [207, summary]
            : [400, { error: { code: "no_valid_events", message: "no valid event", details: summary } }];
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    auth,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let server: Awaited<ReturnType<typeof startSchemaServer>>;
beforeAll(async () => {
  server = await startSchemaServer();
});
afterAll(() => server.close());

describe("@gleaner/sdk as a package", () => {
  it("the main entry bundles for a runtime without Node (Workers): no node: import reaches it", async () => {
    const result = await build({
      entryPoints: [join(SDK, "src/index.ts")],
      bundle: true,
      platform: "neutral",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.includes("file-journal"))).toBe(false);
    expect(result.outputFiles[0]!.text).not.toMatch(/from\s+["']node:/);
  });

  it("npm pack makes a tarball that installs into an empty project and sends an event from plain Node", async () => {
    const packed = mkdtempSync(join(tmpdir(), "gleaner-sdk-pack-"));
    await run("npm", ["pack", "--pack-destination", packed], { cwd: SDK, env: plainEnv() });
    const tarballs = readdirSync(packed).filter((f) => /^gleaner-sdk-.*\.tgz$/.test(f));
    expect(tarballs).toHaveLength(1);

    // Outside the checkout: nothing of its node_modules is reachable from here.
    const consumer = mkdtempSync(join(tmpdir(), "gleaner-sdk-consumer-"));
    await run("npm", ["init", "-y"], { cwd: consumer, env: plainEnv() });
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund", join(packed, tarballs[0]!)], { cwd: consumer, env: plainEnv() });

    const installed = JSON.parse(readFileSync(join(consumer, "node_modules/@gleaner/sdk/package.json"), "utf8"));
    expect(installed.dependencies ?? {}).toEqual({});
    const files = readdirSync(join(consumer, "node_modules/@gleaner/sdk/dist"));
    expect(files).toEqual(expect.arrayContaining(["index.js", "index.d.ts", "node.js", "node.d.ts"]));
    expect(readdirSync(join(consumer, "node_modules")).filter((f) => !f.startsWith("."))).toEqual(["@gleaner"]);

    writeFileSync(
      join(consumer, "send.mjs"),
      `import { createGleanerClient, GleanerError, wrapOpenAI } from "@gleaner/sdk";
import { fileJournal } from "@gleaner/sdk/node";
const client = createGleanerClient({ url: process.argv[2], key: "packed-key", source: "packed-sdk" });
const id = await client.track({ type: "agent_step_complete", query: "sent by a packed SDK", outcome: "success", tags: ["pack"] });
const report = await client.flush({ timeoutMs: 10000 });
await client.close();
console.log(JSON.stringify({ id, report, exports: [typeof wrapOpenAI, typeof GleanerError, typeof fileJournal] }));
`,
    );
    const { stdout } = await run(process.execPath, ["send.mjs", server.url], { cwd: consumer, env: plainEnv() });
    const out = JSON.parse(stdout.trim());
    expect(out.exports).toEqual(["function", "function", "function"]);
    expect(out.report).toEqual({ accepted: [out.id], duplicates: [], rejected: [], omitted: 0 });
    expect(server.received).toContainEqual(
      expect.objectContaining({ id: out.id, type: "agent_step_complete", source: "packed-sdk", query: "sent by a packed SDK" }),
    );
    expect(server.auth).toContain("Bearer packed-key");

    // The declarations resolve through the exports map for a TypeScript consumer without @types/node.
    writeFileSync(
      join(consumer, "check.ts"),
      `import { createGleanerClient, type FlushReport } from "@gleaner/sdk";
import { fileJournal } from "@gleaner/sdk/node";
const client = createGleanerClient({ url: "http://127.0.0.1:9", key: "k", journal: fileJournal("buffer.jsonl") });
export const report: Promise<FlushReport> = client.flush();
// @ts-expect-error an outcome is one of four words
void client.track({ type: "t", source: "s", outcome: "great" });
`,
    );
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", lib: ["ES2022", "DOM"], types: [], strict: true, noEmit: true },
        files: ["check.ts"],
      }),
    );
    await expect(run(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: consumer, env: plainEnv() })).resolves.toBeDefined();
  });

  it("sends events that the server's schema v1 takes, and its event type is that schema's", async () => {
    // Checked by `npm run typecheck` (tsconfig.node.json covers test/node): the two types are the same.
    expectTypeOf<GleanerEvent>().toEqualTypeOf<EventV2>();

    const client = createGleanerClient({ url: server.url, key: "schema-key", source: "schema-test", flushIntervalMs: 60_000 });
    const ids = await Promise.all([
      client.track({ type: "minimal" }),
      client.track({ type: "epoch", timestamp: 1_780_000_000.25, feedback: null }),
      client.track({
        id: "schema-full-1",
        type: "rag_answer",
        source: "other-source",
        timestamp: "2026-06-01T12:00:00.123+02:00",
        schema_version: 1,
        session_id: "s-1",
        interaction_id: "i-1",
        query: "q",
        response: "r",
        outcome: "partial",
        feedback: -1,
        latency_ms: 12.5,
        model: "m",
        tokens_in: 3,
        tokens_out: 4,
        tags: ["a", "b"],
        attributes: { nested: { deep: [1, "two"] } },
      }),
    ]);
    const report = await client.flush({ timeoutMs: 10_000 });
    await client.close();
    expect(report.rejected).toEqual([]);
    expect(report.accepted.sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const sent = server.received.find((e) => (e as { id?: string }).id === id);
      expect(eventV2Schema.safeParse(sent).success, `event ${id}`).toBe(true);
    }
  });
});

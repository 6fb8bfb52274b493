/**
 * The short-lived half of the runner: cli/runner/compiler.ts forks this file
 * (plain node, no TypeScript) and sends it Miniflare options over IPC; for
 * each it answers the exact workerd command line and binary (Cap'n Proto)
 * config Miniflare would run, without running anything. Miniflare's spawn of
 * workerd meets a stand-in that keeps what Miniflare writes to its stdin and
 * then closes its control pipe without reporting a port, so Miniflare gives up
 * ("The Workers runtime failed to start"), which is the expected end.
 *
 * The runner then runs workerd itself with that config and never loads
 * Miniflare (~80 MB of RSS for as long as it ran); this process exits as soon
 * as the runner disconnects.
 *
 * Messages in: { id, options }. Out: { id, command, args, config } or { id, error }.
 */
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";

const require = createRequire(import.meta.url);
// Miniflare reaches spawn through require("child_process") at call time, so replacing it here is seen.
const childProcess = require("node:child_process");
const realSpawn = childProcess.spawn;
/** @type {((captured: { command: string; args: string[]; config: Buffer }) => void) | undefined} */
let onCapture;

childProcess.spawn = function spawn(/** @type {string} */ command, /** @type {unknown} */ args, /** @type {unknown[]} */ ...rest) {
  if (!onCapture || !Array.isArray(args) || args[0] !== "serve") return realSpawn.call(this, command, args, ...rest);
  const capture = onCapture;
  onCapture = undefined;
  /** @type {Buffer[]} */
  const chunks = [];
  const control = new PassThrough();
  const stand = Object.assign(new EventEmitter(), {
    pid: undefined,
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdin: new Writable({
      write(chunk, _encoding, done) {
        chunks.push(chunk);
        done();
      },
      final(done) {
        capture({ command, args: [...args], config: Buffer.concat(chunks) });
        done();
        setImmediate(() => control.end());
      },
    }),
    kill() {
      setImmediate(() => stand.emit("exit", null, "SIGKILL"));
      return true;
    },
  });
  return Object.assign(stand, { stdio: [stand.stdin, stand.stdout, stand.stderr, control] });
};

/** @param {import("miniflare").MiniflareOptions} options */
async function compile(options) {
  const { Miniflare } = miniflare();
  /** @type {Promise<{ command: string; args: string[]; config: Buffer }>} */
  const captured = new Promise((resolve) => {
    onCapture = resolve;
  });
  let mf;
  try {
    mf = new Miniflare(options);
  } catch (err) {
    onCapture = undefined;
    throw err;
  }
  // Resolves with Miniflare's error once it gave up on the stand-in (or on bad options, before any spawn).
  const settled = mf.ready.then(
    () => new Error("Miniflare started a runtime the config compiler did not capture"),
    (/** @type {unknown} */ err) => err,
  );
  try {
    const result = await Promise.race([
      captured,
      settled.then((err) => {
        throw err;
      }),
    ]);
    // Miniflare deletes its temporary directory on dispose: a config pointing there would not start later.
    if (result.config.includes(join(tmpdir(), "miniflare-")))
      throw new Error("the config refers to Miniflare's temporary directory (storage without a persist path?), which is gone once the compiler exits");
    return result;
  } finally {
    onCapture = undefined;
    await settled;
    await mf.dispose().catch(() => undefined);
  }
}

/** @type {{ module?: typeof import("miniflare"); error?: unknown }} */
const loaded = {};
/** Miniflare, loaded once; its load error, if any, for every request. */
function miniflare() {
  if (loaded.error !== undefined) throw loaded.error;
  return /** @type {typeof import("miniflare")} */ (loaded.module);
}

/** @type {Promise<void>} */
let queue = Promise.resolve();
process.on("message", (/** @type {{ id: number; options: import("miniflare").MiniflareOptions }} */ request) => {
  queue = queue.then(async () => {
    try {
      process.send?.({ id: request.id, ...(await compile(request.options)) });
    } catch (err) {
      process.send?.({ id: request.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
});
process.on("disconnect", () => process.exit(0));

// Miniflare loads now, while the runner prepares its first request (which waits in the IPC pipe meanwhile).
// require, not import: Node's ESM loader would scan the 3.7 MB CommonJS bundle for its exports first,
// which takes longer than loading it.
try {
  loaded.module = require("miniflare");
} catch (err) {
  loaded.error = err;
}

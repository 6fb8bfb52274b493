import { resolve } from "node:path";
import { parseShipArgs, SHIP_USAGE } from "./args";
import { FatalSendError } from "./sender";
import { Shipper, type ShipSummary } from "./shipper";

/**
 * `gleaner ship`: returns the exit code. The summary is the last line on stdout
 * (always with --once, and when a follow run is stopped); logs and progress go
 * to stderr. The first SIGINT/SIGTERM stops after the batch in flight; a second
 * one exits at once (unsent lines are re-read next time, the server dedups).
 */
export async function runShipCommand(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parseShipArgs>;
  try {
    args = parseShipArgs(argv, process.env);
  } catch (e) {
    process.stderr.write(`gleaner ship: ${(e as Error).message}\n\n${SHIP_USAGE}\n`);
    return 2;
  }
  if (args === "help") {
    process.stdout.write(`${SHIP_USAGE}\n`);
    return 0;
  }
  const shipper = new Shipper({
    url: args.url,
    key: args.key,
    patterns: args.patterns,
    stateDir: resolve(args.stateDir),
    once: args.once,
    progress: process.stderr,
    log: (message) => process.stderr.write(`${process.stderr.isTTY ? "\r\x1b[2K" : ""}gleaner ship: ${message}\n`),
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130);
    process.stderr.write(`\ngleaner ship: ${signal}, stopping after the batch in flight\n`);
    shipper.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const summary: ShipSummary = await shipper.run();
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } catch (e) {
    const kind = e instanceof FatalSendError ? "the server refused the batch" : "failed";
    process.stderr.write(`gleaner ship: ${kind}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

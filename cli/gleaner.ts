import { runShipCommand } from "./ship/command";

const USAGE = `Usage: gleaner <command> [options]

Commands:
  ship    tail legacy JSONL telemetry files and send them to Gleaner (gleaner ship --help)`;

const [command, ...rest] = process.argv.slice(2);
if (command === "ship") {
  process.exitCode = await runShipCommand(rest);
} else if (command === undefined || command === "help" || command === "--help" || command === "-h") {
  process.stdout.write(`${USAGE}\n`);
} else {
  process.stderr.write(`gleaner: unknown command '${command}'\n\n${USAGE}\n`);
  process.exitCode = 2;
}

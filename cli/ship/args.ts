import { parseArgs } from "node:util";

export const SHIP_USAGE = `Usage: gleaner ship --url <base url> --key <project key> [--once] [--state <dir>] <file or glob>...

Tails legacy JSONL telemetry files and posts their lines to <base url>/v1/events.

  --url <base url>   Gleaner to send to, e.g. http://127.0.0.1:8787
  --key <key>        project key (or set GLEANER_KEY, which keeps it out of the process list)
  --once             read every file to its end, print a JSON summary as the last line, exit
  --state <dir>      checkpoint, quarantine.jsonl and rejected.jsonl (default .gleaner/ship)
  -h, --help         this help

Quote globs so that gleaner expands them at each scan, e.g. '/var/lib/ai-stack/*/telemetry/*.jsonl*'.
Include rotated names (file.jsonl.1) so that a rotation while gleaner is down loses nothing.`;

export interface ShipArgs {
  url: string;
  key: string;
  once: boolean;
  stateDir: string;
  patterns: string[];
}

/** Parses `gleaner ship` arguments; throws an Error whose message is meant for the user. */
export function parseShipArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ShipArgs | "help" {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: "string" },
      key: { type: "string" },
      once: { type: "boolean", default: false },
      state: { type: "string", default: ".gleaner/ship" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  if (!values.url) throw new Error("--url is required");
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new Error(`--url ${values.url} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("--url must be http or https");
  const key = values.key ?? env.GLEANER_KEY;
  if (!key) throw new Error("--key (or GLEANER_KEY) is required");
  if (positionals.length === 0) throw new Error("name at least one file or glob");
  return { url: url.origin + url.pathname.replace(/\/+$/, ""), key, once: values.once, stateDir: values.state, patterns: positionals };
}

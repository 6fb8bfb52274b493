import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { PROJECT_DIR } from "./gleaner";

export interface Machine {
  nproc: number;
  cpu: string;
  memory_gib: number;
  node: string;
  workerd: string;
  miniflare: string;
  wrangler: string;
  os: string;
  commit: string;
  /** Load average when the run started: other work on the machine (it is shared). */
  loadavg_1m_at_start: number;
}

const version = (pkg: string) => (JSON.parse(readFileSync(join(PROJECT_DIR, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: PROJECT_DIR, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

export function describeMachine(): Machine {
  const dirty = git(["status", "--porcelain", "--", "src", "cli", "wrangler.toml", "migrations", "package-lock.json"]) !== "";
  let os = "";
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "";
  } catch {
    os = process.platform;
  }
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? "unknown",
    memory_gib: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    workerd: version("workerd"),
    miniflare: version("miniflare"),
    wrangler: version("wrangler"),
    os,
    commit: `${git(["rev-parse", "--short", "HEAD"])}${dirty ? " (with uncommitted changes in src/cli)" : ""}`,
    loadavg_1m_at_start: Math.round(loadavg()[0]! * 100) / 100,
  };
}

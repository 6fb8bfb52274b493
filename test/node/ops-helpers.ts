import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { crash, waitFor, type GleanerProcess } from "./gleaner-process";

/** The absolute path of an executable on PATH, or undefined. */
export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** The Debian package that installs each tool the ops tests use. */
const DEBIAN_PACKAGE: Record<string, string> = { promtool: "prometheus", prometheus: "prometheus", chromium: "chromium" };

/** Why a test that needs `tools` is skipped, or undefined when all are installed. */
export function missingTools(...tools: string[]): string | undefined {
  const missing = tools.filter((t) => !findExecutable(t));
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.map((t) => DEBIAN_PACKAGE[t] ?? t))];
  const message = `skipped: ${missing.join(", ")} not installed (apt-get install -y ${packages.join(" ")})`;
  console.warn(message);
  return message;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion with a time limit, feeding `input` on stdin. */
export function run(cmd: string, args: string[], options: { cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"], timeout: options.timeoutMs ?? 30_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Sends `count` valid events in one request; answers the HTTP status. */
export async function sendEvents(base: string, key: string, prefix: string, count: number): Promise<number> {
  const events = Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    type: "agent_step_complete",
    source: "ops-test",
    timestamp: new Date().toISOString(),
    query: `How do I rotate logs, variant ${prefix} ${i}?`,
    response: "Use logrotate with copytruncate.",
    outcome: i % 4 === 0 ? "failure" : "success",
    feedback: i % 3 === 0 ? 1 : undefined,
    latency_ms: 200 + i,
    tokens_in: 40 + i,
    tokens_out: 120,
  }));
  const res = await fetch(`${base}/v1/events`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ events }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Stops Gleaner with Ctrl-C, and with kill -9 if it has not exited within 15 s. */
export async function stopGleaner(p: GleanerProcess | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null) return;
  p.child.kill("SIGINT");
  const timer = setTimeout(() => void crash(p).catch(() => undefined), 15_000);
  await p.exited;
  clearTimeout(timer);
}

export interface PrometheusServer {
  base: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts a real Prometheus server on 127.0.0.1 with `configYaml`, a temporary
 * storage directory and a free port, and waits until it reports ready.
 */
export async function startPrometheus(configYaml: string): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), "gleaner-prometheus-"));
  const configFile = join(dir, "prometheus.yml");
  writeFileSync(configFile, configYaml);
  const port = await freePort();
  const child = spawn(
    "prometheus",
    [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => child.on("close", () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined), 30_000);
  } catch {
    await stop();
    throw new Error(`prometheus did not become ready:\n${out}`);
  }
  return { base, child, output: () => out, stop };
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query through Prometheus's HTTP API. */
export async function queryPrometheus(base: string, query: string): Promise<VectorSample[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; data: { resultType: string; result: VectorSample[] }; error?: string };
  if (body.status !== "success") throw new Error(`query ${query} failed: ${body.error}`);
  return body.data.result;
}

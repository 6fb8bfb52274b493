import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** What `npm start` needs, resolved from the environment, .dev.vars and the data dir. */
export interface RunnerSettings {
  port: number;
  host: string;
  dataDir: string;
  adminToken: string;
  /** Where the admin token came from, for the start banner. */
  adminTokenSource: "environment" | ".dev.vars" | "generated";
  /** Wrangler vars overridden from the environment or .dev.vars. */
  vars: Record<string, string>;
}

/** Parses a .dev.vars file (KEY=value lines, # comments, optional quotes). */
export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith("#")) continue;
    vars[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, "$2");
  }
  return vars;
}

/**
 * Resolves the runner's settings. Precedence for every variable: the process
 * environment, then .dev.vars in the project folder. Without an admin token a
 * random one is generated once and kept in the data dir (mode 0600).
 */
export function resolveSettings(projectDir: string, env: NodeJS.ProcessEnv, varNames: string[]): RunnerSettings {
  const devVarsPath = join(projectDir, ".dev.vars");
  const devVars = existsSync(devVarsPath) ? parseDevVars(readFileSync(devVarsPath, "utf8")) : {};
  const pick = (name: string) => env[name] ?? devVars[name];

  const port = Number(pick("PORT") ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got '${pick("PORT")}'`);
  const dataDir = resolve(projectDir, pick("GLEANER_DATA_DIR") ?? ".gleaner");
  mkdirSync(dataDir, { recursive: true });

  let adminToken = env.GLEANER_ADMIN_TOKEN;
  let adminTokenSource: RunnerSettings["adminTokenSource"] = "environment";
  if (!adminToken && devVars.GLEANER_ADMIN_TOKEN) {
    adminToken = devVars.GLEANER_ADMIN_TOKEN;
    adminTokenSource = ".dev.vars";
  }
  if (!adminToken) {
    const tokenFile = join(dataDir, "admin-token");
    if (!existsSync(tokenFile)) writeFileSync(tokenFile, randomBytes(32).toString("base64url") + "\n", { mode: 0o600 });
    adminToken = readFileSync(tokenFile, "utf8").trim();
    adminTokenSource = "generated";
  }

  const vars: Record<string, string> = {};
  for (const name of varNames) {
    const value = pick(name);
    if (value !== undefined) vars[name] = value;
  }
  return { port, host: pick("HOST") ?? "127.0.0.1", dataDir, adminToken, adminTokenSource, vars };
}

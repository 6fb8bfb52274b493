import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseUpstreams } from "../../src/domain/proxy-upstreams";
import { prepareDataDir } from "./data-dir";

/** What `npm start` needs, resolved from the environment, .dev.vars and the data dir. */
export interface RunnerSettings {
  port: number;
  host: string;
  dataDir: string;
  adminToken: string;
  /** Where the admin token came from, for the start banner. */
  adminTokenSource: "environment" | ".dev.vars" | "generated";
  /** Wrangler vars overridden from the environment or .dev.vars, and the secrets PROXY_UPSTREAMS names. */
  vars: Record<string, string>;
  /** GLEANER_V8_FLAGS, split on spaces: V8 flags for every isolate workerd runs (none by default). */
  v8Flags: string[];
}

/** Parses a .dev.vars file (KEY=value lines, # comments, optional quotes). */
export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const [, key, value] = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line) ?? [];
    if (key === undefined || value === undefined || line.trimStart().startsWith("#")) continue;
    vars[key] = value.replace(/^(['"])(.*)\1$/, "$2");
  }
  return vars;
}

/**
 * The secrets PROXY_UPSTREAMS names (`name=url|SECRET_NAME`), each picked like
 * any other variable, so the worker can send every upstream its own key. The
 * runner passes only the names it knows to the worker; without this a key in
 * the environment or .dev.vars would silently never arrive. Throws, naming the
 * upstream and the secret, when an entry is wrong, a name is one of Gleaner's
 * own, or a secret is unset.
 *
 * @example
 * proxyUpstreamSecrets("openai=https://api.openai.com/v1|OPENAI_API_KEY", (n) => process.env[n])
 * // { OPENAI_API_KEY: "sk-…" }
 */
export function proxyUpstreamSecrets(config: string | undefined, pick: (name: string) => string | undefined): Record<string, string> {
  const parsed = parseUpstreams(config);
  if (!parsed.ok) throw new Error(`PROXY_UPSTREAMS entry ${parsed.entry}${parsed.name ? ` ('${parsed.name}')` : ""}: ${parsed.reason}`);
  const secrets: Record<string, string> = {};
  for (const { name, keySecret } of parsed.upstreams.values()) {
    if (!keySecret) continue;
    const value = pick(keySecret);
    if (!value) {
      throw new Error(
        `PROXY_UPSTREAMS upstream '${name}' needs the secret ${keySecret}, which is not set: put ${keySecret}=… in the environment or .dev.vars (or drop '|${keySecret}' if '${name}' needs no key)`,
      );
    }
    secrets[keySecret] = value;
  }
  return secrets;
}

/**
 * Resolves the runner's settings. Precedence for every variable: the process
 * environment, then .dev.vars in the project folder. Without an admin token a
 * random one is generated once and kept in the data dir (mode 0600). Throws,
 * saying why, when a setting would not work (see proxyUpstreamSecrets).
 */
export function resolveSettings(projectDir: string, env: NodeJS.ProcessEnv, varNames: string[]): RunnerSettings {
  const devVarsPath = join(projectDir, ".dev.vars");
  const devVars = existsSync(devVarsPath) ? parseDevVars(readFileSync(devVarsPath, "utf8")) : {};
  const pick = (name: string) => env[name] ?? devVars[name];

  const port = Number(pick("PORT") ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got '${pick("PORT")}'`);
  const dataDir = resolve(projectDir, pick("GLEANER_DATA_DIR") ?? ".gleaner");
  prepareDataDir(dataDir);

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
  if (vars.PROXY_UPSTREAMS !== undefined) Object.assign(vars, proxyUpstreamSecrets(vars.PROXY_UPSTREAMS, pick));
  const v8Flags = (pick("GLEANER_V8_FLAGS") ?? "").split(/\s+/).filter(Boolean);
  const notFlag = v8Flags.find((f) => !/^--[a-z0-9][a-z0-9_-]*(=\S+)?$/.test(f));
  if (notFlag) throw new Error(`GLEANER_V8_FLAGS holds '${notFlag}', which is not a V8 flag (--name or --name=value, separated by spaces)`);
  return { port, host: pick("HOST") ?? "127.0.0.1", dataDir, adminToken, adminTokenSource, vars, v8Flags };
}

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { resolveSettings } from "../../cli/runner/settings";
import { createKey, PROJECT_DIR, startProcess, stopStartedProcesses, tempDataDir } from "./gleaner-process";

afterEach(stopStartedProcesses);

const README_EXAMPLE = "openai=https://api.openai.com/v1|OPENAI_API_KEY";

function settingsWith(env: Record<string, string>, devVars = "") {
  const projectDir = tempDataDir();
  if (devVars) writeFileSync(`${projectDir}/.dev.vars`, devVars);
  return resolveSettings(projectDir, { GLEANER_DATA_DIR: tempDataDir(), GLEANER_ADMIN_TOKEN: "proxy-admin-token", ...env }, ["PROXY_UPSTREAMS"]);
}

describe("PROXY_UPSTREAMS under npm start", () => {
  it("passes the secret an upstream names to the worker, from the environment or .dev.vars", () => {
    expect(settingsWith({ PROXY_UPSTREAMS: README_EXAMPLE, OPENAI_API_KEY: "sk-from-env" }).vars.OPENAI_API_KEY).toBe("sk-from-env");
    const fromFile = settingsWith({}, `PROXY_UPSTREAMS="${README_EXAMPLE},local=http://127.0.0.1:8080/v1"\nOPENAI_API_KEY=sk-from-dev-vars\n`);
    expect(fromFile.vars).toMatchObject({ PROXY_UPSTREAMS: `${README_EXAMPLE},local=http://127.0.0.1:8080/v1`, OPENAI_API_KEY: "sk-from-dev-vars" });
    expect(settingsWith({}).vars).toEqual({});
  });

  it("refuses to start when a named secret is unset, saying which secret for which upstream", () => {
    expect(() => settingsWith({ PROXY_UPSTREAMS: README_EXAMPLE })).toThrow(
      "PROXY_UPSTREAMS upstream 'openai' needs the secret OPENAI_API_KEY, which is not set: put OPENAI_API_KEY=… in the environment or .dev.vars",
    );
  });

  it("refuses a secret name that is Gleaner's own, so no upstream is ever sent the admin token", () => {
    for (const name of ["GLEANER_ADMIN_TOKEN", "GLEANER_DATA_DIR", "DB", "METRICS_TOKEN", "AI_API_KEY"]) {
      expect(() => settingsWith({ PROXY_UPSTREAMS: `evil=https://example.com/v1|${name}` }), name).toThrow(
        new RegExp(`PROXY_UPSTREAMS entry 1 \\('evil'\\): key secret '${name}'`),
      );
    }
  });

  it("npm run doctor names the unset secret before npm start refuses", () => {
    const doctor = (extra: Record<string, string>) =>
      spawnSync(process.execPath, ["cli/doctor.mjs"], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        env: { PATH: process.env.PATH, PORT: "0", GLEANER_DATA_DIR: tempDataDir(), PROXY_UPSTREAMS: README_EXAMPLE, ...extra },
        timeout: 60_000,
      }).stdout;
    expect(doctor({})).toMatch(/FAIL\s+proxy secrets\s+unset: OPENAI_API_KEY \(upstream 'openai'\)/);
    expect(doctor({ OPENAI_API_KEY: "sk-x" })).toMatch(/ok\s+proxy secrets\s+set: OPENAI_API_KEY/);
  });

  describe("the running process", () => {
    let upstream: Server | undefined;
    afterEach(() => new Promise<void>((ok) => (upstream ? upstream.close(() => ok()) : ok())));

    it("forwards README's example with the key from the environment", async () => {
      const seen: (string | undefined)[] = [];
      upstream = createServer((req, res) => {
        seen.push(req.headers.authorization);
        req.resume().on("end", () => {
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(
            JSON.stringify({
              id: "c1",
              object: "chat.completion",
              model: "m",
              choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
            }),
          );
        });
      });
      await new Promise<void>((ok) => upstream!.listen(0, "127.0.0.1", ok));
      const { port } = upstream.address() as { port: number };
      const gleaner = await startProcess(tempDataDir(), {
        PROXY_UPSTREAMS: `openai=http://127.0.0.1:${port}/v1|OPENAI_API_KEY`,
        OPENAI_API_KEY: "sk-test-upstream-key",
      });
      const key = await createKey(gleaner.base, "proxy-secrets");
      const res = await fetch(`${gleaner.base}/v1/proxy/openai/chat/completions`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hello" }] }),
      });
      expect(res.status).toBe(200);
      expect(seen).toEqual(["Bearer sk-test-upstream-key"]);
    });

    it("exits 1 before listening when the key is missing, and says why", async () => {
      const failed = await startProcess(tempDataDir(), { PROXY_UPSTREAMS: README_EXAMPLE, OPENAI_API_KEY: "" }).then(
        () => undefined,
        (err: Error) => err.message,
      );
      expect(failed).toContain("gleaner exited (1) before listening");
      expect(failed).toContain("Gleaner cannot start: PROXY_UPSTREAMS upstream 'openai' needs the secret OPENAI_API_KEY");
    });
  });
});

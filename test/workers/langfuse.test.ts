import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, getEvent } from "./helpers";

// What Langfuse's SDK v4 sends: OTLP/JSON to {baseUrl}/api/public/otel/v1/traces,
// Authorization: Basic base64(<public key>:<secret key>); here the secret key is a Gleaner project key.

let key: string;

beforeAll(async () => {
  key = (await createKey("langfuse-dropin")).key;
});

const PATH = "/api/public/otel/v1/traces";
const basic = (user: string, secret: string) => `Basic ${btoa(`${user}:${secret}`)}`;
const attr = (key: string, value: string | string[]) => ({
  key,
  value: Array.isArray(value) ? { arrayValue: { values: value.map((v) => ({ stringValue: v })) } } : { stringValue: value },
});

const TRACE = "9cf7651916cd43dd8448eb211c80319c";
const traces = (spanId: string) => ({
  resourceSpans: [
    {
      resource: { attributes: [attr("service.name", "langfuse-app")] },
      scopeSpans: [
        {
          scope: { name: "langfuse-sdk", version: "4.0.0" },
          spans: [
            {
              traceId: TRACE,
              spanId,
              name: "chat-completion",
              startTimeUnixNano: "1767225600000000000",
              endTimeUnixNano: "1767225600900000000",
              attributes: [
                attr("langfuse.observation.type", "generation"),
                attr("langfuse.observation.model.name", "gpt-4o-mini"),
                attr(
                  "langfuse.observation.input",
                  JSON.stringify([
                    { role: "system", content: "You answer briefly." },
                    { role: "user", content: "How do I rotate logs?" },
                  ]),
                ),
                attr("langfuse.observation.output", JSON.stringify({ role: "assistant", content: "Use logrotate with copytruncate." })),
                attr("langfuse.session.id", "sess_langfuse_1"),
                attr("langfuse.trace.tags", ["support", "prod"]),
              ],
              status: { code: 1 },
            },
          ],
        },
      ],
    },
  ],
});

const post = (authorization: string, body: unknown) =>
  call(PATH, { method: "POST", headers: { Authorization: authorization, "Content-Type": "application/json" }, body: JSON.stringify(body) });

describe("POST /api/public/otel/v1/traces (Langfuse drop-in)", () => {
  it("stores a Langfuse generation sent with Basic auth <public key>:<project key>, with its messages, session and tags", async () => {
    const res = await post(basic("pk-lf-anything", key), traces("c1ad6b7169203331"));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, duplicates: 0, rejected: 0, skipped_non_genai: 0 });

    const read = await getEvent(key, `${TRACE}:c1ad6b7169203331`);
    expect(read.status).toBe(200);
    const { event } = await read.json<{ event: Record<string, unknown> }>();
    expect(event.messages).toEqual([
      { role: "system", content: "You answer briefly." },
      { role: "user", content: "How do I rotate logs?" },
      { role: "assistant", content: "Use logrotate with copytruncate." },
    ]);
    expect(event).toMatchObject({ model: "gpt-4o-mini", session_id: "sess_langfuse_1", tags: ["otel", "support", "prod"] });

    // A replay is a duplicate, as on /v1/otlp/v1/traces.
    const again = await post(basic("pk-lf-anything", key), traces("c1ad6b7169203331"));
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it("answers 401 with both challenges for a wrong secret, unreadable Basic credentials or none", async () => {
    for (const authorization of [
      basic("pk-lf-anything", "sk-lf-not-a-gleaner-key"),
      basic("pk-lf-anything", `${key}x`),
      "Basic %%%",
      `Basic ${btoa("no-colon")}`,
      "",
    ]) {
      const res = await post(authorization, traces("c2ad6b7169203332"));
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="gleaner", Basic realm="gleaner"');
      expect((await res.json<{ error: { code: string } }>()).error.code).toBe("unauthorized");
    }
    expect((await getEvent(key, `${TRACE}:c2ad6b7169203332`)).status).toBe(404);
  });

  it("still takes the bearer form on the new path", async () => {
    const res = await post(`Bearer ${key}`, traces("c3ad6b7169203333"));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1 });
    expect((await getEvent(key, `${TRACE}:c3ad6b7169203333`)).status).toBe(200);
  });

  it("refuses the admin token as the secret (403), and Basic auth on routes that did not opt in (401, bearer challenge)", async () => {
    const admin = await post(basic("pk-lf-anything", `${env.GLEANER_ADMIN_TOKEN}`), traces("c4ad6b7169203334"));
    expect(admin.status).toBe(403);
    const elsewhere = await call("/v1/otlp/v1/traces", {
      method: "POST",
      headers: { Authorization: basic("pk-lf-anything", key), "Content-Type": "application/json" },
      body: JSON.stringify(traces("c5ad6b7169203335")),
    });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get("WWW-Authenticate")).toBe('Bearer realm="gleaner"');
  });

  it("is listed in /openapi.json under the otlp tag", async () => {
    const doc = await (await call("/openapi.json")).json<{ paths: Record<string, Record<string, { tags: string[]; security: unknown[] }>> }>();
    const op = doc.paths[PATH]?.post;
    expect(op?.tags).toEqual(["otlp"]);
    expect(op?.security).toEqual([{ projectKey: [] }, { projectKeyBasic: [] }]);
  });
});

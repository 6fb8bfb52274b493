import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, getEvent } from "./helpers";

let key: string;

beforeAll(async () => {
  key = (await createKey("otlp-tests")).key;
});

const TRACE = "5b8efff798038103d269b633813fc60c";
const attr = (key: string, value: string | number) => ({ key, value: typeof value === "number" ? { intValue: String(value) } : { stringValue: value } });

/** Spans after the OpenTelemetry GenAI semantic conventions' examples: a chat call, a legacy-attribute call, and a plain HTTP span. */
const payload = {
  resourceSpans: [
    {
      resource: { attributes: [attr("service.name", "support-bot")] },
      scopeSpans: [
        {
          scope: { name: "openinference" },
          spans: [
            {
              traceId: TRACE,
              spanId: "eee19b7ec3c1b174",
              name: "chat gpt-4o",
              kind: 3,
              startTimeUnixNano: "1767225600000000000",
              endTimeUnixNano: "1767225601250000000",
              attributes: [
                attr("gen_ai.operation.name", "chat"),
                attr("gen_ai.provider.name", "openai"),
                attr("gen_ai.request.model", "gpt-4o"),
                attr("gen_ai.response.model", "gpt-4o-2024-08-06"),
                attr("gen_ai.usage.input_tokens", 97),
                attr("gen_ai.usage.output_tokens", 52),
                attr("gen_ai.conversation.id", "conv_5j66UpCpwteGg4YSxUnt7lPY"),
                attr("gen_ai.input.messages", JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Weather in Paris?" }] }])),
                attr(
                  "gen_ai.output.messages",
                  JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "Rainy, 57°F." }], finish_reason: "stop" }]),
                ),
              ],
              status: { code: 1 },
            },
            {
              traceId: TRACE,
              spanId: "aaa19b7ec3c1b175",
              name: "text_completion",
              startTimeUnixNano: "1767225602000000000",
              endTimeUnixNano: "1767225602500000000",
              attributes: [
                attr("gen_ai.system", "ollama"),
                attr("gen_ai.request.model", "llama3"),
                attr("gen_ai.prompt", "Say hi"),
                attr("gen_ai.completion", "Hi!"),
              ],
              events: [],
              status: { code: 2, message: "rate limited" },
            },
            { traceId: TRACE, spanId: "bbb19b7ec3c1b176", name: "GET /", attributes: [attr("http.request.method", "GET")] },
          ],
        },
      ],
    },
  ],
};

const post = (body: unknown, contentType = "application/json") =>
  call("/v1/otlp/v1/traces", { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": contentType }, body: JSON.stringify(body) });

describe("POST /v1/otlp/v1/traces", () => {
  it("stores GenAI spans as events with id traceId:spanId and skips other spans", async () => {
    const res = await post(payload);
    expect(res.status).toBe(200);
    const body = await res.json<{ accepted: number; skipped_non_genai: number; partialSuccess?: unknown }>();
    expect(body).toMatchObject({ accepted: 2, skipped_non_genai: 1 });
    expect(body.partialSuccess).toBeUndefined();

    const chat = await (await getEvent(key, `${TRACE}:eee19b7ec3c1b174`)).json<{ event: Record<string, any> }>();
    expect(chat.event).toMatchObject({
      type: "gen_ai.chat",
      source: "support-bot",
      query: "Weather in Paris?",
      response: "Rainy, 57°F.",
      model: "gpt-4o-2024-08-06",
      tokens_in: 97,
      tokens_out: 52,
      latency_ms: 1250,
      outcome: "success",
      session_id: "conv_5j66UpCpwteGg4YSxUnt7lPY",
    });
    expect(chat.event.attributes).toMatchObject({ trace_id: TRACE, span_id: "eee19b7ec3c1b174" });
    expect(chat.event).toMatchObject({ trace_id: TRACE, span_id: "eee19b7ec3c1b174" });
    expect(chat.event.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: "Rainy, 57°F." },
    ]);
    const legacy = await (await getEvent(key, `${TRACE}:aaa19b7ec3c1b175`)).json<{ event: Record<string, any> }>();
    expect(legacy.event).toMatchObject({ query: "Say hi", response: "Hi!", model: "llama3", outcome: "failure", session_id: TRACE });
    expect((await getEvent(key, `${TRACE}:bbb19b7ec3c1b176`)).status).toBe(404);
  });

  it("stores nothing twice when the same spans are sent again", async () => {
    const body = await (await post(payload)).json<{ accepted: number; duplicates: number }>();
    expect(body).toMatchObject({ accepted: 0, duplicates: 2 });
  });

  it("answers partial success naming the bad span, refuses JSON labelled protobuf, another media type and a missing key", async () => {
    const bad = structuredClone(payload);
    bad.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId = "nothex";
    const body = await (await post(bad)).json<{ partialSuccess: { rejectedSpans: number; errorMessage: string } }>();
    expect(body.partialSuccess.rejectedSpans).toBe(1);
    expect(body.partialSuccess.errorMessage).toContain("spans.0.traceId");
    expect((await post(payload, "application/x-protobuf")).status).toBe(400);
    expect((await post(payload, "text/plain")).status).toBe(415);
    expect((await call("/v1/otlp/v1/traces", { method: "POST", body: "{}" })).status).toBe(401);
  });
});

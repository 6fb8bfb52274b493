import { LangfuseSpanProcessor } from "@langfuse/otel";
import { propagateAttributes, setLangfuseTracerProvider, startObservation } from "@langfuse/tracing";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FINAL_ANSWER,
  FIRST_TURN,
  MODEL,
  SECOND_TURN,
  STORED_CONVERSATION,
  storedEvent,
  WEATHER_CALL,
  WEATHER_TOOL,
  USER_QUESTION,
  WEATHER_RESULT,
} from "./fake-openai-upstream";
import { createKey, type GleanerProcess, startProcess, tempDataDir } from "./gleaner-process";

// Langfuse's TypeScript SDK (OpenTelemetry based): @langfuse/tracing observations, exported by
// @langfuse/otel's LangfuseSpanProcessor to `{baseUrl}/api/public/otel/v1/traces` with
// `Basic base64(publicKey:secretKey)`; the base URL is Gleaner, the secret key a project key.

let gleaner: GleanerProcess;
let key: string;
let provider: BasicTracerProvider;
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(async () => {
  gleaner = await startProcess(tempDataDir());
  key = await createKey(gleaner.base, "genai-langfuse");
  // propagateAttributes (session, tags) rides the active context.
  context.setGlobalContextManager(contextManager.enable());
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "langfuse-agent" }),
    spanProcessors: [
      new LangfuseSpanProcessor({ publicKey: "pk-lf-gleaner-test", secretKey: key, baseUrl: gleaner.base, exportMode: "immediate", mediaUploadEnabled: false }),
    ],
  });
  setLangfuseTracerProvider(provider);
}, 120_000);

afterAll(async () => {
  await provider?.shutdown();
  contextManager.disable();
  gleaner?.child.kill("SIGINT");
  await gleaner?.exited;
});

/** The conversation as stored: Langfuse keeps the OpenAI messages as given, so `content: null` beside the tool call stays. */
const AS_SENT = STORED_CONVERSATION.map((m, i) => (i === 2 ? { ...m, content: null } : m));

/** One generation per turn of the weather conversation, inside an agent span, in Langfuse session `session`. */
async function runConversation(session: string) {
  const ids = await propagateAttributes({ sessionId: session, tags: ["weather", "langfuse-sdk"] }, async () => {
    const agent = startObservation("weather-agent", { input: USER_QUESTION }, { asType: "agent" });
    const first = agent.startObservation(
      "chat",
      { model: MODEL, input: { messages: FIRST_TURN, tools: [WEATHER_TOOL] }, output: { role: "assistant", content: null, tool_calls: [WEATHER_CALL] } },
      { asType: "generation" },
    );
    first.update({ usageDetails: { input: 40, output: 9 } }).end();
    const second = agent.startObservation(
      "chat",
      { model: MODEL, input: { messages: SECOND_TURN, tools: [WEATHER_TOOL] }, output: { role: "assistant", content: FINAL_ANSWER } },
      { asType: "generation" },
    );
    second.update({ usageDetails: { input: 52, output: 11 } }).end();
    agent.update({ output: FINAL_ANSWER }).end();
    return { traceId: agent.traceId, first: first.id, second: second.id };
  });
  await provider.forceFlush();
  return ids;
}

describe("Langfuse SDK (@langfuse/tracing + @langfuse/otel) → Gleaner's Langfuse path", () => {
  it("stores each generation's conversation, system first, with the tool call, its result and the tools; session and tags from Langfuse", async () => {
    const { traceId, first, second } = await runConversation("lf-session-weather");
    const [one, two] = await Promise.all([storedEvent(gleaner.base, key, `${traceId}:${first}`), storedEvent(gleaner.base, key, `${traceId}:${second}`)]);
    expect(one).toMatchObject({ source: "langfuse-agent", model: MODEL, tokens_in: 40, tokens_out: 9, session_id: "lf-session-weather" });
    expect(one.messages).toEqual(AS_SENT.slice(0, 3));
    expect(two).toMatchObject({ tokens_in: 52, tokens_out: 11, session_id: "lf-session-weather" });
    expect(two.messages).toEqual(AS_SENT);
    expect(two.messages[3]).toEqual({ role: "tool", tool_call_id: WEATHER_CALL.id, content: WEATHER_RESULT });
    expect(two.tools).toEqual([WEATHER_TOOL]);
    expect(two.tags).toEqual(expect.arrayContaining(["weather", "langfuse-sdk"]));
  });
});

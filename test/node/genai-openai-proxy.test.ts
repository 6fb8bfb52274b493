import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FINAL_ANSWER,
  FIRST_TURN,
  type FakeOpenAIUpstream,
  MODEL,
  SECOND_TURN,
  STORED_CONVERSATION,
  startFakeOpenAIUpstream,
  storedEvent,
  WEATHER_CALL,
  WEATHER_TOOL,
  USER_QUESTION,
  WEATHER_RESULT,
} from "./fake-openai-upstream";
import { createKey, type GleanerProcess, startProcess, tempDataDir } from "./gleaner-process";

// The official `openai` SDK pointed at Gleaner's logging proxy (`/v1/proxy/fake`, the project key as
// its API key), which forwards to a local OpenAI-compatible upstream: the model list, then a
// conversation that calls a tool, plain and streamed, each call read back through Gleaner-Event-Id.

let upstream: FakeOpenAIUpstream;
let gleaner: GleanerProcess;
let key: string;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAIUpstream();
  gleaner = await startProcess(tempDataDir(), { PROXY_UPSTREAMS: `fake=${upstream.url}/v1|FAKE_UPSTREAM_KEY`, FAKE_UPSTREAM_KEY: "sk-fake-upstream-key" });
  key = await createKey(gleaner.base, "genai-openai-proxy");
  client = new OpenAI({ baseURL: `${gleaner.base}/v1/proxy/fake`, apiKey: key, maxRetries: 0 });
}, 120_000);

afterAll(async () => {
  gleaner?.child.kill("SIGINT");
  await gleaner?.exited;
  await upstream?.close();
});

/** The proxy keeps the request's messages as sent: OpenAI's `content: null` beside the tool call stays. */
const AS_SENT = STORED_CONVERSATION.map((m, i) => (i === 2 ? { ...m, content: null } : m));
const eventOf = (response: Response) => storedEvent(gleaner.base, key, response.headers.get("Gleaner-Event-Id") ?? "no Gleaner-Event-Id");

describe("the openai SDK through Gleaner's proxy", () => {
  it("lists the upstream's models (GET /v1/proxy/{upstream}/models, passed through)", async () => {
    const { data, response } = await client.models.list().withResponse();
    expect(data.data.map((m) => m.id)).toEqual([MODEL]);
    expect(response.headers.get("Gleaner-Event-Id")).toBeNull();
    expect(upstream.requests.findLast((r) => r.path === "/v1/models")).toMatchObject({ method: "GET", authorization: "Bearer sk-fake-upstream-key" });
  });

  for (const stream of [false, true]) {
    it(`records a conversation that calls a tool, turn by turn (${stream ? "streamed" : "plain"})`, async () => {
      // Turn 1: the model asks for the weather.
      let toolCalls: unknown[];
      let first: Response;
      if (stream) {
        const { data, response } = await client.chat.completions
          .create({ model: MODEL, messages: FIRST_TURN, tools: [WEATHER_TOOL], stream: true, stream_options: { include_usage: true } })
          .withResponse();
        const args: string[] = [];
        for await (const chunk of data) for (const call of chunk.choices[0]?.delta.tool_calls ?? []) args.push(call.function?.arguments ?? "");
        toolCalls = [{ ...WEATHER_CALL, function: { ...WEATHER_CALL.function, arguments: args.join("") } }];
        first = response;
      } else {
        const { data, response } = await client.chat.completions.create({ model: MODEL, messages: FIRST_TURN, tools: [WEATHER_TOOL] }).withResponse();
        toolCalls = data.choices[0]?.message.tool_calls ?? [];
        first = response;
      }
      expect(toolCalls).toEqual([WEATHER_CALL]);
      // The upstream got the request as sent, with the upstream's key, not the client's project key.
      expect(upstream.requests.at(-1)).toMatchObject({ authorization: "Bearer sk-fake-upstream-key", body: { messages: FIRST_TURN, tools: [WEATHER_TOOL] } });

      // Turn 2: the tool's result goes back, the model answers.
      let answer = "";
      let second: Response;
      if (stream) {
        const { data, response } = await client.chat.completions
          .create({ model: MODEL, messages: SECOND_TURN, tools: [WEATHER_TOOL], stream: true, stream_options: { include_usage: true } })
          .withResponse();
        for await (const chunk of data) answer += chunk.choices[0]?.delta.content ?? "";
        second = response;
      } else {
        const { data, response } = await client.chat.completions.create({ model: MODEL, messages: SECOND_TURN, tools: [WEATHER_TOOL] }).withResponse();
        answer = data.choices[0]?.message.content ?? "";
        second = response;
      }
      expect(answer).toBe(FINAL_ANSWER);

      const [one, two] = await Promise.all([eventOf(first), eventOf(second)]);
      expect(one).toMatchObject({ type: "proxy.chat.completions", source: "proxy:fake", model: MODEL, query: USER_QUESTION });
      expect(one.messages).toEqual([...AS_SENT.slice(0, 2), { role: "assistant", content: null, tool_calls: [WEATHER_CALL] }]);
      expect(one.tools).toEqual([WEATHER_TOOL]);
      expect(two).toMatchObject({ model: MODEL, response: FINAL_ANSWER, attributes: { stream } });
      expect(two.messages).toEqual(AS_SENT);
      expect(two.messages[0].role).toBe("system");
      expect(two.messages[2].tool_calls[0].function).toEqual({ name: "get_weather", arguments: WEATHER_CALL.function.arguments });
      expect(two.messages[3]).toEqual({ role: "tool", tool_call_id: WEATHER_CALL.id, content: WEATHER_RESULT });
      expect(two.tools).toEqual([WEATHER_TOOL]);
      expect(one).toMatchObject({ tokens_in: 52, tokens_out: 11 });
    });
  }
});

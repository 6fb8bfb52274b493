import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/domain/event-schema";
import { DETAIL_CHARS, judgeAnswer, lengthQuality, QUALITY_RULES, type QualityInput } from "../../src/domain/scoring/answer-quality";

const rulesOf = (input: QualityInput) => judgeAnswer(input).hits.map((h) => h.rule);
const call = (id: string, name: string) => ({ id, type: "function" as const, function: { name, arguments: "{}" } });
const LONG_HOW_TO = `I'm not sure whether you are on Linux or macOS, but here is how to do it on both. ${"First install the package with your package manager, then edit the config file and restart the service. ".repeat(4)}`;

describe("answer quality: the rule table", () => {
  it("lists each rule once, with a score in [0, 1] and a description", () => {
    const ids = QUALITY_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining(["refusal", "empty", "error_text", "truncated", "unanswered_tool_call", "tool_call_only", "failed_tool_result"]),
    );
    for (const r of QUALITY_RULES) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThan(1);
      expect(r.description.length).toBeGreaterThan(10);
    }
  });

  it("each rule's test runs on its own", () => {
    const refusal = QUALITY_RULES.find((r) => r.id === "refusal")!;
    expect(refusal.test({ response: "I don't know." })).toContain("I don't know");
    expect(refusal.test({ response: "Paris is the capital of France." })).toBeUndefined();
  });
});

describe("answer quality: refusal", () => {
  it.each([
    "I am not sure.",
    "I'm not sure",
    "Not sure.",
    "I don't know",
    "I can't help with that.",
    "I cannot assist with this request.",
    "I'm unable to browse the internet.",
    "As an AI language model, I do not have personal opinions.",
    "I'm sorry, but I can't do that.",
    "I’m sorry, but I can’t help with that.",
    "I do not have access to your files.",
    "Sorry, I don't have access to real-time data.",
    "Unfortunately, I cannot provide that information.",
    "Great question! I don't know the answer to that.",
    "**I'm not sure.**",
    "I'm sorry, I can't help with that, but I'd be happy to help with something else.",
    "I don't know, sorry.",
  ])("refuses %j", (response) => {
    const v = judgeAnswer({ response });
    expect(v.hits.map((h) => h.rule)).toContain("refusal");
    expect(v.non_answer).toBe(true);
    expect(v.quality).toBe(0.05);
  });

  it.each([
    ["a long answer that opens with a hedge", LONG_HOW_TO],
    ["a plain answer", "The capital of France is Paris."],
    ['"I can\'t" without a refusal verb', "I can't stress this enough: always back up your database before migrating."],
    ["a refusal phrase in the middle of an answer", `Use a hash map here. ${"It gives O(1) lookups on average. ".repeat(3)}I don't know of a faster way.`],
    ["a word that starts like a phrase", "Notwithstanding the limits, the loop terminates after n steps."],
    ["a hedge that goes on to answer", "I'm not sure, but I think the answer is 42."],
    ["a limit that goes on to answer", "I can't see your screen, but usually the button is at the top right."],
  ])("does not refuse %s", (_, response) => {
    expect(rulesOf({ response })).not.toContain("refusal");
    expect(judgeAnswer({ response }).non_answer).toBe(false);
  });

  it("does not refuse a hedge followed by a long explanation", () => {
    const v = judgeAnswer({ response: LONG_HOW_TO });
    expect(v.hits).toEqual([]);
    expect(v.quality).toBeGreaterThan(0.7);
  });
});

describe("answer quality: empty", () => {
  it.each([
    ["an empty response", { response: "" }],
    ["a whitespace response", { response: " \n\t " }],
    ["a conversation with no assistant turn", { messages: [{ role: "user", content: "hi" }] as Message[] }],
    [
      "an assistant message with null content",
      {
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: null },
        ] as Message[],
      },
    ],
  ])("flags %s", (_, input) => {
    const v = judgeAnswer(input);
    expect(v.hits.map((h) => h.rule)).toEqual(["empty"]);
    expect(v).toMatchObject({ quality: 0, non_answer: true });
  });

  it("is not empty when the assistant made tool calls, or when the answer is scrubbed", () => {
    const messages: Message[] = [
      { role: "user", content: "weather?" },
      { role: "assistant", content: null, tool_calls: [call("c1", "get_weather")] },
    ];
    expect(rulesOf({ messages })).not.toContain("empty");
    expect(judgeAnswer({ response: `sha256:${"a".repeat(64)}` })).toEqual({ quality: null, non_answer: false, hits: [] });
    expect(judgeAnswer({ response: "[REDACTED:secrets_detected:aws]" }).non_answer).toBe(false);
  });

  it("has nothing to judge without an answer or a conversation: quality null", () => {
    expect(judgeAnswer({ query: "what is 2+2?" })).toEqual({ quality: null, non_answer: false, hits: [] });
    expect(judgeAnswer({})).toEqual({ quality: null, non_answer: false, hits: [] });
    expect(judgeAnswer({ messages: [] })).toEqual({ quality: null, non_answer: false, hits: [] });
  });
});

describe("answer quality: error_text", () => {
  const jsTrace = [
    "TypeError: Cannot read properties of undefined (reading 'map')",
    "    at render (/app/src/list.js:12:17)",
    "    at process (/app/node_modules/react-dom/index.js:100:3)",
  ].join("\n");
  const pyTrace = ["Traceback (most recent call last):", '  File "main.py", line 3, in <module>', "    foo()", "NameError: name 'foo' is not defined"].join(
    "\n",
  );

  it.each([
    ["a JS stack trace", jsTrace],
    ["a Python traceback", pyTrace],
    ["an Error: line", "Error: connect ECONNREFUSED 127.0.0.1:5432"],
    ["a Java exception", 'Exception in thread "main" java.lang.NullPointerException\n\tat com.x.Main.run(Main.java:10)'],
    ["an HTTP 500 page", "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>oops</body></html>"],
    ["Internal Server Error", "Internal Server Error"],
    ["error JSON", '{"error": {"message": "rate limited", "type": "rate_limit"}}'],
    ["frames with a short intro", `Something broke:\n${jsTrace.split("\n").slice(1).join("\n")}`],
  ])("flags %s", (_, response) => {
    const v = judgeAnswer({ response });
    expect(v.hits.map((h) => h.rule)).toContain("error_text");
    expect(v.non_answer).toBe(true);
    expect(v.quality).toBe(0.1);
  });

  it.each([
    [
      "an explanation of an error",
      `The error means the list is undefined on first render.\n\n${"Initialise it to an empty array, or guard the map call with optional chaining. ".repeat(3)}`,
    ],
    [
      "an answer that quotes a trace and then explains the fix at length",
      `Your trace:\n${jsTrace}\n\n${"The fix is to initialise the state with an empty array so map always has something to iterate over. ".repeat(5)}`,
    ],
    ["prose that starts with the word Error", "Error handling in Go uses explicit return values rather than exceptions."],
    ["a JSON answer", '{"name": "gleaner", "version": 2}'],
  ])("does not flag %s", (_, response) => {
    expect(rulesOf({ response })).not.toContain("error_text");
  });
});

describe("answer quality: truncated", () => {
  it.each([["length"], ["max_tokens"], ["MAX_TOKENS"]])("flags finish reason %s, without making it a non-answer", (reason) => {
    const v = judgeAnswer({ response: "Here is the first half of the essay about", finishReasons: [reason] });
    expect(v.hits).toEqual([{ rule: "truncated", score: 0.4, detail: `finish reason ${reason.toLowerCase()}` }]);
    expect(v).toMatchObject({ quality: 0.4, non_answer: false });
  });

  it("does not flag a normal stop", () => {
    expect(rulesOf({ response: "Done.", finishReasons: ["stop"] })).toEqual([]);
    expect(rulesOf({ response: "Done.", finishReasons: [] })).toEqual([]);
  });
});

describe("answer quality: ending on a tool call", () => {
  it("flags a conversation that ends on assistant tool calls with text, as an answer of low quality", () => {
    const messages: Message[] = [
      { role: "user", content: "weather in Paris?" },
      { role: "assistant", content: "Let me check.", tool_calls: [call("c1", "get_weather")] },
    ];
    const v = judgeAnswer({ messages });
    expect(v.hits.map((h) => h.rule)).toEqual(["unanswered_tool_call"]);
    expect(v.hits[0]!.detail).toContain("get_weather");
    expect(v).toMatchObject({ quality: 0.3, non_answer: false });
  });

  it("makes a step with no assistant text at all a non-answer", () => {
    const messages: Message[] = [
      { role: "user", content: "weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [call("c1", "get_weather")] },
    ];
    const v = judgeAnswer({ messages });
    expect(v.hits.map((h) => h.rule)).toEqual(["tool_call_only"]);
    expect(v).toMatchObject({ quality: 0.3, non_answer: true });
  });

  it("flags a conversation that ends on tool results with no final answer", () => {
    const messages: Message[] = [
      { role: "user", content: "weather in Paris?" },
      { role: "assistant", content: "Checking.", tool_calls: [call("c1", "get_weather")] },
      { role: "tool", tool_call_id: "c1", content: '{"temp": 21}' },
    ];
    expect(rulesOf({ messages })).toEqual(["unanswered_tool_call"]);
  });

  it("uses a tool-call finish reason when there are no messages", () => {
    expect(rulesOf({ response: "Calling the search tool.", finishReasons: ["tool_calls"] })).toEqual(["unanswered_tool_call"]);
    expect(judgeAnswer({ response: "", finishReasons: ["tool_use"] })).toMatchObject({ non_answer: true, hits: [{ rule: "tool_call_only" }] });
  });

  it("does not flag a tool call that a final answer follows", () => {
    const messages: Message[] = [
      { role: "user", content: "weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [call("c1", "get_weather")] },
      { role: "tool", tool_call_id: "c1", content: '{"temp": 21}' },
      { role: "assistant", content: "It is 21°C in Paris." },
    ];
    const v = judgeAnswer({ messages });
    expect(v.hits).toEqual([]);
    expect(v.non_answer).toBe(false);
    expect(v.quality).toBe(lengthQuality("It is 21°C in Paris.".length));
  });
});

describe("answer quality: failed_tool_result", () => {
  const failing = (content: string): Message[] => [
    { role: "user", content: "read config.yaml" },
    { role: "assistant", content: null, tool_calls: [call("c1", "read_file")] },
    { role: "tool", tool_call_id: "c1", content },
    { role: "assistant", content: "The config sets the port to 8080 and enables debug logging." },
  ];

  it.each([
    "Error: ENOENT: no such file or directory, open 'config.yaml'",
    "bash: foo: command not found",
    "Permission denied",
    '{"error": "file not found"}',
    '{"ok": false, "reason": "quota"}',
    "Request failed with status 500",
  ])("flags a failing last tool result %j that no retry recovered from", (content) => {
    const v = judgeAnswer({ messages: failing(content) });
    expect(v.hits.map((h) => h.rule)).toEqual(["failed_tool_result"]);
    expect(v).toMatchObject({ quality: 0.4, non_answer: false });
  });

  it("does not flag a failure that a later tool call recovered from", () => {
    const messages: Message[] = [
      { role: "user", content: "read config.yaml" },
      { role: "assistant", content: null, tool_calls: [call("c1", "read_file")] },
      { role: "tool", tool_call_id: "c1", content: "Error: ENOENT: no such file or directory" },
      { role: "assistant", content: "Trying the other path.", tool_calls: [call("c2", "read_file")] },
      { role: "tool", tool_call_id: "c2", content: "port: 8080\ndebug: true" },
      { role: "assistant", content: "The config sets the port to 8080 and enables debug logging." },
    ];
    expect(judgeAnswer({ messages }).hits).toEqual([]);
  });

  it("does not flag successful results, even ones that mention failures later on or count zero failures", () => {
    expect(rulesOf({ messages: failing('{"temp": 21, "error": null}') })).toEqual([]);
    expect(rulesOf({ messages: failing("Tests: 42 passed, 0 failed") })).toEqual([]);
    expect(rulesOf({ messages: failing(`${"line of file content\n".repeat(30)}throw new Error("failed")`) })).toEqual([]);
  });

  it("trusts an outcome of success: the answer recovered", () => {
    expect(rulesOf({ messages: failing("Permission denied"), outcome: "success" })).toEqual([]);
  });
});

describe("answer quality: combining and the length signal", () => {
  it("takes the lowest score, and is a non-answer when any hit is", () => {
    const v = judgeAnswer({ response: "I don't know", finishReasons: ["length"] });
    expect(v.hits.map((h) => h.rule).sort()).toEqual(["refusal", "truncated"]);
    expect(v).toMatchObject({ quality: 0.05, non_answer: true });
  });

  it("rates a very short answer 0.6 and a substantive one near 0.9, never 1", () => {
    expect(judgeAnswer({ response: "Yes." }).quality).toBe(0.6);
    const long = judgeAnswer({ response: "x ".repeat(2000) }).quality!;
    expect(long).toBeGreaterThan(0.85);
    expect(long).toBeLessThan(1);
    expect(lengthQuality(1e9)).toBeLessThan(1);
    expect(lengthQuality(200)).toBeGreaterThan(lengthQuality(50));
  });

  it("prefers the given response over the conversation's last assistant text", () => {
    const messages: Message[] = [
      { role: "user", content: "q" },
      { role: "assistant", content: "I don't know." },
    ];
    expect(rulesOf({ messages })).toEqual(["refusal"]);
    expect(rulesOf({ messages, response: "The answer is 42 because of the reasons above." })).toEqual([]);
  });

  it("reads text content parts", () => {
    const messages: Message[] = [
      { role: "user", content: "q" },
      { role: "assistant", content: [{ type: "text", text: "I'm sorry, but I can't help with that." }] },
    ];
    expect(rulesOf({ messages })).toEqual(["refusal"]);
  });

  it("keeps details short", () => {
    const v = judgeAnswer({ response: `Error: ${"x".repeat(5000)}` });
    expect(v.hits[0]!.detail.length).toBeLessThanOrEqual(DETAIL_CHARS);
  });

  it("is fast on large and adversarial text", () => {
    const big = `${"a".repeat(200_000)}Error:${" at x (y.js:1:2)\n".repeat(5000)}`;
    const messages: Message[] = Array.from({ length: 2000 }, (_, i) => ({ role: i % 2 ? "assistant" : "tool", content: big.slice(0, 5000) }) as Message);
    const t0 = Date.now();
    for (const response of [big, "I".repeat(100_000), `${" ".repeat(50_000)}x`, `Error${":".repeat(50_000)}`, "\tat ".repeat(50_000)]) {
      judgeAnswer({ response, messages });
    }
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe("answer quality: property", () => {
  const text = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.constantFrom("", " ", "I don't know", "Error: x", "Traceback (most recent call last):", "    at f (a.js:1:2)", '{"error":1}', "sha256:"),
    fc.string({ unit: "binary", maxLength: 100 }),
  );
  const content = fc.oneof(
    text,
    fc.constant(null),
    fc.constant(undefined),
    fc.array(fc.oneof(fc.record({ type: fc.constant("text"), text }), fc.record({ type: fc.string({ maxLength: 10 }) })), { maxLength: 3 }),
  );
  const message = fc.record(
    {
      role: fc.constantFrom("system", "developer", "user", "assistant", "tool"),
      content,
      tool_calls: fc.array(
        fc.record({
          id: fc.string({ maxLength: 5 }),
          type: fc.constant("function"),
          function: fc.record({ name: fc.string({ maxLength: 10 }), arguments: fc.string() }),
        }),
        { maxLength: 2 },
      ),
      tool_call_id: fc.string({ maxLength: 5 }),
    },
    { requiredKeys: ["role"] },
  );
  const input = fc.record(
    {
      messages: fc.array(message, { maxLength: 8 }),
      query: text,
      response: text,
      finishReasons: fc.array(fc.oneof(fc.constantFrom("stop", "length", "tool_calls", "MAX_TOKENS"), fc.string({ maxLength: 10 })), { maxLength: 3 }),
      outcome: fc.constantFrom("success", "partial", "failure", "unknown"),
    },
    { requiredKeys: [] },
  );

  it("never throws; quality is null or in [0, 1]; a non-answer always has a hit and quality below 0.5", () => {
    fc.assert(
      fc.property(input, (i) => {
        const v = judgeAnswer(i as QualityInput);
        expect(v.quality === null || (v.quality >= 0 && v.quality <= 1)).toBe(true);
        if (v.quality === null) expect(v.hits).toEqual([]);
        if (v.non_answer) {
          expect(v.hits.length).toBeGreaterThan(0);
          expect(v.quality!).toBeLessThan(0.5);
        }
        for (const h of v.hits) expect(h.detail.length).toBeLessThanOrEqual(DETAIL_CHARS);
      }),
      { numRuns: 500 },
    );
  });
});

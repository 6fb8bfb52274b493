import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { checkChatExample } from "../../src/domain/datasets/format-check";
import worker from "../../src/index";
import { adminHeaders, call, createKey, event, eventually, getEvent, postEvents } from "./helpers";

/* Datasets v2: whole conversations with tools, preference pairs, splits, browse and diff, the card. */

const runJob = async (name: string) => {
  const res = await call(`/v1/admin/jobs/${name}/run`, { method: "POST", headers: adminHeaders(), body: "{}" });
  expect(res.status).toBe(200);
  return (await res.json<{ result: Record<string, number> }>()).result;
};

async function processed(key: string, ids: string[]) {
  for (const id of ids) {
    await eventually(async () => ((await (await getEvent(key, id)).json<{ status: string }>()).status === "processed" ? true : undefined));
  }
}

const auth = (key: string) => ({ Authorization: `Bearer ${key}`, "Content-Type": "application/json" });

async function snapshot(key: string, name = "default") {
  const r = await call(`/v1/datasets/${name}/snapshots`, { method: "POST", headers: auth(key) });
  expect(r.status).toBe(201);
  return r.json<{ version: number; examples: number; counts: Record<string, number> }>();
}

async function exportLines(key: string, query: string, version: number | "current" = "current") {
  const r = await call(`/v1/datasets/default/snapshots/${version}.jsonl?${query}`, { headers: auth(key) });
  expect(r.status).toBe(200);
  return (await r.text())
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const TOOLS = [
  {
    type: "function",
    function: { name: "list_ports", description: "Open ports", parameters: { type: "object", properties: { proto: { type: "string" } } } },
  },
];

/** A system prompt, three user turns and a tool call. */
const CONVERSATION = [
  { role: "system", content: "You are a Linux admin helper." },
  { role: "user", content: "Hi, I run a small home server." },
  { role: "assistant", content: "Nice. How can I help?" },
  { role: "user", content: "Is my firewall letting too much in?" },
  { role: "assistant", content: "Let me look at the open ports." },
  { role: "user", content: "Please check the TCP ports." },
  { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "list_ports", arguments: '{"proto":"tcp"}' } }] },
  { role: "tool", tool_call_id: "call_1", content: "22, 80, 443, 5432" },
];

describe("datasets v2", () => {
  it("gives a fresh project its default dataset with its first event, no job run", async () => {
    const { key } = await createKey("datasets-v2-fresh");
    await postEvents(key, [event("fresh-1")]);
    const list = await (await call("/v1/datasets", { headers: auth(key) })).json<{ datasets: { name: string }[] }>();
    expect(list.datasets.map((d) => d.name)).toContain("default");
    expect((await call("/v1/datasets/default/snapshots", { method: "POST", headers: auth(key) })).status).toBe(201);
  });

  it("exports a proxied conversation with a system prompt, three user turns and a tool call whole, tools included, and it passes the format checker", async () => {
    const { key } = await createKey("datasets-v2-proxy");
    await fetch(`${env.TEST_FAKE_AI_URL}/ns/datasets-v2-text/__mode`, { method: "POST", body: JSON.stringify({ mode: "text" }) });
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("http://gleaner.test/v1/proxy/text/chat/completions", {
        method: "POST",
        headers: auth(key),
        body: JSON.stringify({ model: "fake-model", messages: CONVERSATION, tools: TOOLS }),
      }),
      { ...env, PROXY_UPSTREAMS: `text=${env.TEST_FAKE_AI_URL}/ns/datasets-v2-text/v1` },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    const id = res.headers.get("Gleaner-Event-Id") ?? "";
    await eventually(async () => ((await getEvent(key, id)).status === 200 ? true : undefined));
    await processed(key, [id]);
    // The proxy cannot know the outcome: a good rating gives it one; the dataset takes any rated success.
    await call("/v1/datasets/default", { method: "PUT", headers: auth(key), body: JSON.stringify({ rules: { min_value: 0.3 } }) });
    await call("/v1/feedback", { method: "POST", headers: auth(key), body: JSON.stringify({ event_id: id, rating: 1, outcome: "success" }) });
    await eventually(async () => {
      const s = await call(`/v1/events/${encodeURIComponent(id)}/score`, { headers: auth(key) });
      return s.status === 200 && (await s.json<{ reason: string }>()).reason === "feedback" ? true : undefined;
    });
    await runJob("datasets");
    await snapshot(key);
    const [line, ...more] = await exportLines(key, "format=openai-chat");
    expect(more).toHaveLength(0);
    const messages = (line as { messages: { role: string }[] }).messages;
    // Every message as the client sent it (OpenAI's `content: null` beside the tool call included), the answer last.
    expect(messages.slice(0, CONVERSATION.length)).toEqual(CONVERSATION);
    expect(messages.at(-1)?.role).toBe("assistant");
    expect((line as { tools: unknown }).tools).toEqual(TOOLS);
    expect(checkChatExample(line as never, { maxTokens: 32768 })).toMatchObject({ ok: true });
  });

  it("makes a +1 and a −1 answer to the same prompt one preference pair, in both preference formats", async () => {
    const { key } = await createKey("datasets-v2-pairs");
    const prompt = [
      { role: "system", content: "You are terse." },
      { role: "user", content: "How do I list open TCP ports?" },
    ];
    await postEvents(key, [
      event("pair-good", { messages: [...prompt, { role: "assistant", content: "Run `ss -tlnp`." }], outcome: "success" }),
      event("pair-bad", { messages: [...prompt, { role: "assistant", content: "Try turning it off and on." }], outcome: "success" }),
    ]);
    await processed(key, ["pair-good", "pair-bad"]);
    for (const [id, rating] of [
      ["pair-good", 1],
      ["pair-bad", -1],
    ] as const) {
      await call("/v1/feedback", { method: "POST", headers: auth(key), body: JSON.stringify({ event_id: id, rating }) });
    }
    await snapshot(key);
    const openai = await exportLines(key, "format=openai-preference");
    expect(openai).toHaveLength(1);
    expect(openai[0]).toEqual({
      input: { messages: prompt },
      preferred_output: [{ role: "assistant", content: "Run `ss -tlnp`." }],
      non_preferred_output: [{ role: "assistant", content: "Try turning it off and on." }],
    });
    const trl = await exportLines(key, "format=trl-preference");
    expect(trl).toEqual([
      { prompt, chosen: [{ role: "assistant", content: "Run `ss -tlnp`." }], rejected: [{ role: "assistant", content: "Try turning it off and on." }] },
    ]);
    // A correction in feedback pairs the corrected answer (preferred) with the rated one.
    await call("/v1/feedback", {
      method: "POST",
      headers: auth(key),
      body: JSON.stringify({ event_id: "pair-bad", rating: -1, correction: "Use `ss -tlnp` (or `netstat -tlnp` on old systems)." }),
    });
    await snapshot(key);
    const withCorrection = await exportLines(key, "format=openai-preference");
    expect(withCorrection).toHaveLength(2);
    expect(withCorrection.map((p) => (p.preferred_output as { content: string }[])[0]?.content)).toContain(
      "Use `ss -tlnp` (or `netstat -tlnp` on old systems).",
    );
  });

  it("partitions each snapshot into train and validation, never overlapping, each example keeping its split", async () => {
    const { key } = await createKey("datasets-v2-splits");
    await call("/v1/datasets/default", { method: "PUT", headers: auth(key), body: JSON.stringify({ rules: { validation_ratio: 0.5, min_value: 0.6 } }) });
    const topics = ["nginx", "postgres", "redis", "journald", "qdrant", "docker", "systemd", "ssh", "cron", "zfs", "btrfs", "wireguard"];
    const events = topics.map((t, i) =>
      event(`split-${i}`, {
        query: `How do I configure ${t} for a small home server with limited memory?`,
        response: `For ${t}, edit its config file, set the memory limit, restart the ${t} service and check its logs.`,
        outcome: "success",
        feedback: 1,
      }),
    );
    await postEvents(key, events.slice(0, 8));
    await processed(
      key,
      events.slice(0, 8).map((e) => e.id),
    );
    await runJob("datasets");
    const v1 = await snapshot(key);
    const hashesOf = async (split: string, version: number) => (await exportLines(key, `format=retrieval&split=${split}`, version)).map((l) => l.id as string);
    const train1 = await hashesOf("train", v1.version);
    const validation1 = await hashesOf("validation", v1.version);
    expect(train1.length + validation1.length).toBe(v1.examples);
    expect(train1.filter((h) => validation1.includes(h))).toEqual([]);
    expect(v1.counts).toMatchObject({ train: train1.length, validation: validation1.length });

    await postEvents(key, events.slice(8));
    await processed(
      key,
      events.slice(8).map((e) => e.id),
    );
    await runJob("datasets");
    const v2 = await snapshot(key);
    const train2 = await hashesOf("train", v2.version);
    const validation2 = await hashesOf("validation", v2.version);
    for (const h of train1) expect(train2).toContain(h);
    for (const h of validation1) expect(validation2).toContain(h);

    // Browse: the examples with their split and lineage, paged, filtered.
    const page = await (await call("/v1/datasets/default/examples?limit=3", { headers: auth(key) })).json<{
      examples: { content_hash: string; split: string; source_event_ids: string[] }[];
      next_cursor: string | null;
    }>();
    expect(page.examples).toHaveLength(3);
    expect(page.next_cursor).not.toBeNull();
    expect(page.examples[0]?.source_event_ids).toHaveLength(1);
    const validationOnly = await (await call("/v1/datasets/default/examples?split=validation&limit=200", { headers: auth(key) })).json<{
      examples: { content_hash: string; split: string }[];
    }>();
    expect(validationOnly.examples.every((e) => e.split === "validation")).toBe(true);
    expect(validationOnly.examples.map((e) => e.content_hash).sort()).toEqual([...validation2].sort());
    expect((await call("/v1/datasets/default/examples?split=test", { headers: auth(key) })).status).toBe(400);

    // Remove one, then restore it.
    const hash = page.examples[0]?.content_hash ?? "";
    expect((await call(`/v1/datasets/default/examples/${hash}`, { method: "DELETE", headers: auth(key) })).status).toBe(200);
    const v3 = await snapshot(key);
    const diff = await (await call(`/v1/datasets/default/snapshots/${v3.version}/diff`, { headers: auth(key) })).json<{
      removed: { content_hash: string }[];
    }>();
    expect(diff.removed.map((e) => e.content_hash)).toEqual([hash]);
    expect((await call(`/v1/datasets/default/examples/${hash}/restore`, { method: "POST", headers: auth(key) })).status).toBe(200);
    const v4 = await snapshot(key);
    expect(v4.examples).toBe(v2.examples);

    // The Hugging Face card: YAML front matter with a config per format and the splits.
    const card = await call(`/v1/datasets/default/snapshots/current/card`, { headers: auth(key) });
    expect(card.status).toBe(200);
    const text = await card.text();
    const front = parseYaml(text.split("---")[1] ?? "") as { license: string; configs: { config_name: string; data_files: { split: string }[] }[] };
    expect(front.license).toBeTruthy();
    expect(front.configs.map((c) => c.config_name)).toContain("openai-chat");
    expect(
      front.configs
        .find((c) => c.config_name === "openai-chat")
        ?.data_files.map((f) => f.split)
        .sort(),
    ).toEqual(["train", "validation"]);
  });
});

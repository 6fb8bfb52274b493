import { describe, expect, it } from "vitest";
import { backoffDelay, retryAfterMs } from "../../cli/ship/backoff";
import { reconcile, type KnownFile, type Observed } from "../../cli/ship/file-tracker";
import { fingerprintOf } from "../../cli/ship/fingerprint";
import { fileLabel } from "../../cli/ship/label";
import { parseLine } from "../../cli/ship/lenient-json";

describe("fileLabel", () => {
  it.each([
    ["/var/lib/ai-stack/ralph/telemetry/ralph-events.jsonl", "ralph-events.jsonl"],
    ["/x/ralph-events.jsonl.1", "ralph-events.jsonl"],
    ["/x/ralph-events.jsonl.12", "ralph-events.jsonl"],
    ["/x/aidb-events.jsonl-20260101", "aidb-events.jsonl"],
    ["/x/aidb-events-20260101.jsonl", "aidb-events.jsonl"],
    ["/x/hybrid-events.jsonl.2026-01-01", "hybrid-events.jsonl"],
    ["/x/agents-telemetry-hybrid-events.jsonl", "agents-telemetry-hybrid-events.jsonl"],
  ])("%s is labelled %s", (path, label) => expect(fileLabel(path)).toBe(label));
});

describe("parseLine", () => {
  it("accepts Python's NaN and Infinity outside strings only", () => {
    expect(parseLine('{"a": NaN, "b": -Infinity, "c": [Infinity], "s": "NaN and Infinity"}')).toEqual({
      ok: true,
      value: { a: "NaN", b: "-Infinity", c: ["Infinity"], s: "NaN and Infinity" },
    });
    expect(parseLine('{"a": "x\\" NaN"}')).toEqual({ ok: true, value: { a: 'x" NaN' } });
    expect(parseLine('{"a": NaNa}').ok).toBe(false);
    expect(parseLine('{"a": 1').ok).toBe(false);
  });
});

describe("backoff", () => {
  it("grows exponentially with jitter up to the cap", () => {
    const policy = { baseMs: 100, maxMs: 1000, maxAttempts: 10 };
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("3", now)).toBe(3000);
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(retryAfterMs("soon", now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});

describe("reconcile", () => {
  const content = Buffer.from('{"a": 1}\n{"a": 2}\n');
  const known = (key: string, offset: number, prefix = content): KnownFile => ({ key, fingerprint: fingerprintOf(prefix), offset, readPosition: offset });
  const seen = (key: string, prefix: Buffer, path = "/f"): Observed => ({ path, key, size: prefix.length, mtimeMs: 0, prefix });

  it("tells same, replaced (truncated or reused inode), copies, new and gone files apart", () => {
    const a = known("1:1", 9);
    const b = known("1:2", 18);
    const c = known("1:3", 0, Buffer.from("{}\n"));
    const decisions = reconcile(
      [a, b, c],
      [seen("1:1", content), seen("1:2", Buffer.from('{"b": 1}\n')), seen("1:9", content, "/copy"), seen("1:8", Buffer.from('{"z": 0}\n'), "/new")],
    );
    expect(decisions.map((d) => [d.kind, "file" in d ? d.file.key : d.observed.key, d.kind === "new" ? d.resume?.key : undefined])).toEqual([
      ["same", "1:1", undefined],
      ["replaced", "1:2", undefined],
      ["new", "1:9", "1:2"],
      ["new", "1:8", undefined],
      ["gone", "1:3", undefined],
    ]);
  });

  it("does not trust a fingerprint shorter than a line to recognise a copy", () => {
    const short = Buffer.from('{"a"');
    const decisions = reconcile([known("1:1", 4, short)], [seen("1:1", short), seen("1:5", Buffer.from('{"a": 1}\n'))]);
    expect(decisions.find((d) => d.kind === "new")).toEqual({ kind: "new", observed: expect.objectContaining({ key: "1:5" }) });
  });
});

import fc from "fast-check";
import type { BadPayload } from "./fuzz-payloads";

/** JSON text written as is where a value goes: numbers JSON.stringify cannot write (1e309), lone surrogate escapes, deep nesting. */
export class Raw {
  constructor(readonly text: string) {}
}

/** An object written with its entries in order, duplicates included (`{"k":1,"k":"x"}`). */
export class Entries {
  constructor(readonly list: readonly (readonly [string, unknown])[]) {}
}

/** Serialises a value that may hold Raw and Entries anywhere. */
export function render(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Entries) return `{${value.list.map(([k, v]) => `${JSON.stringify(k)}:${render(v)}`).join(",")}}`;
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : render(v))).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${render(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** A copy of `base` with the value at a dotted path (`messages.0.content`) replaced; `undefined` removes it. */
export function withPath(base: unknown, path: string, value: unknown): unknown {
  const [head, ...rest] = path.split(".");
  const key = head!;
  const here = (Array.isArray(base) ? [...base] : typeof base === "object" && base !== null ? { ...base } : {}) as Record<string, unknown>;
  here[key] = rest.length ? withPath(here[key], rest.join("."), value) : value;
  if (value === undefined && !rest.length) delete here[key];
  return here;
}

/** Values of the wrong type (or out of range) for any field. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  fc.array(fc.oneof(fc.integer(), fc.constant(null), fc.string({ maxLength: 3 })), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  fc.constantFrom<unknown>(-1, 0, 1.5, -0.001, "", " ", "1", "true", "null", [], {}, [null], [[]], { "": null }, "__proto__", Number.MAX_SAFE_INTEGER + 2),
);

/** Number literals JSON.parse turns into ±Infinity, -0, 0 or an unsafe integer. */
export const rawNumber = fc.constantFrom("1e309", "-1e309", "1e400", "-0", "1E-400", "123456789012345678901234567890", "0.0000000000000000000000001", "9007199254740993");

const enc = new TextEncoder();
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** What a route's body looks like when valid, and where it can be broken. */
export interface BodyShape {
  /** A valid body (it may still be refused for what it names, e.g. an unknown id). */
  base: unknown;
  /** Dotted paths of fields to break. */
  fields: readonly string[];
  /** Paths of string fields (for huge strings, lone surrogates, invalid UTF-8). */
  strings: readonly string[];
  /** Values this route finds especially hard, by field. */
  special?: Readonly<Record<string, readonly unknown[]>>;
}

const json = "application/json";

/**
 * Bad bodies for any JSON route, from its valid shape: wrong types and
 * out-of-range values per field, missing and unknown fields, raw numbers
 * (1e309), duplicate keys, lone surrogates, NUL, invalid UTF-8, deep nesting,
 * huge strings, truncation, wrong content types, non-object bodies, bodies
 * over 5 MiB.
 */
export function badBodies(shape: BodyShape): fc.Arbitrary<BadPayload> {
  const field = fc.constantFrom(...shape.fields);
  const str = fc.constantFrom(...(shape.strings.length ? shape.strings : shape.fields));
  const at = (path: string, value: unknown) => render(withPath(shape.base, path, value));
  const special = Object.entries(shape.special ?? {}).flatMap(([f, values]) => values.map((v) => [f, v] as const));
  const arbitraries: fc.Arbitrary<BadPayload>[] = [
    fc.record({ f: field, v: wrongValue }).map(({ f, v }) => ({ kind: "wrong_type", body: at(f, v), contentType: json })),
    field.map((f) => ({ kind: "missing_field", body: at(f, undefined), contentType: json })),
    fc.record({ f: field, n: rawNumber }).map(({ f, n }) => ({ kind: "raw_number", body: at(f, new Raw(n)), contentType: json })),
    fc.record({ k: fc.string({ minLength: 1, maxLength: 10 }), v: wrongValue }).map(({ k, v }) => ({ kind: "unknown_field", body: at(`zz_${k.replaceAll(".", "_")}`, v), contentType: json })),
    fc.record({ f: field, v: wrongValue, first: fc.boolean() }).map(({ f, v, first }) => {
      // Top-level duplicate: the valid value and a wrong one, in either order.
      const top = f.split(".")[0]!;
      const base = (typeof shape.base === "object" && shape.base !== null ? shape.base : {}) as Record<string, unknown>;
      const entries = Object.entries(base).filter(([k]) => k !== top);
      const pair: [string, unknown][] = first ? [[top, base[top]], [top, v]] : [[top, v], [top, base[top]]];
      return { kind: "duplicate_keys", body: render(new Entries([...entries, ...pair])), contentType: json };
    }),
    fc.record({ f: str, s: fc.constantFrom("\\ud800", "\\udfff", "a\\ud83d", "\\udc00\\ud800", "\\u0000", "\\ufeff") }).map(({ f, s }) => ({
      kind: "lone_surrogate",
      body: at(f, new Raw(`"x${s}y"`)),
      contentType: json,
    })),
    fc.record({ k: fc.constantFrom("\\ud800", "\\u0000", "__proto__", "constructor", ""), v: wrongValue }).map(({ k, v }) => ({
      kind: "odd_key",
      body: render(new Entries([...Object.entries((shape.base ?? {}) as Record<string, unknown>), [JSON.parse(`"${k}"`) as string, v]])),
      contentType: json,
    })),
    fc.record({ f: str, bytes: fc.array(fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xff, 0xfe, 0xed), { minLength: 1, maxLength: 6 }) }).map(({ f, bytes }) => {
      const [before, after] = at(f, new Raw('"\u0001SPLIT\u0001"')).split("\u0001SPLIT\u0001");
      return { kind: "invalid_utf8", body: concat([enc.encode(before), Uint8Array.from(bytes), enc.encode(after)]), contentType: json };
    }),
    fc.record({ f: field, depth: fc.integer({ min: 50, max: 20_000 }), array: fc.boolean() }).map(({ f, depth, array }) => {
      const open = array ? "[" : '{"a":';
      const close = array ? "]" : "}";
      return { kind: "deep_nesting", body: at(f, new Raw(`${open.repeat(depth)}1${close.repeat(depth)}`)), contentType: json };
    }),
    fc.record({ f: str, size: fc.integer({ min: 5_000, max: 300_000 }) }).map(({ f, size }) => ({ kind: "huge_string", body: at(f, "x".repeat(size)), contentType: json })),
    fc.integer({ min: 0, max: 10_000 }).map((cut) => {
      const body = render(shape.base);
      return { kind: "truncated_json", body: body.slice(0, cut % Math.max(1, body.length)), contentType: json };
    }),
    fc
      .constantFrom("text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/x-ndjson", "application/jsonx", "", undefined)
      .map((contentType) => ({ kind: "wrong_content_type", body: render(shape.base), ...(contentType !== undefined ? { contentType } : {}) })),
    fc
      .oneof(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), fc.constantFrom("null", "[]", '""', "1", "true", "", " ", "{}", "[null]", "\ufeff{}", "{} x", "{}{}", "NaN", "undefined"))
      .map((body) => ({ kind: "wrong_shape", body, contentType: json })),
  ];
  if (special.length) {
    arbitraries.push(fc.constantFrom(...special).map(([f, v]) => ({ kind: `special:${f}`, body: at(f, v), contentType: json })));
  }
  return fc.oneof(
    ...arbitraries.map((arbitrary) => ({ arbitrary, weight: 10 })),
    {
      arbitrary: fc.integer({ min: 1, max: 512 * 1024 }).map((extra) => ({ kind: "oversized_body", body: `{"x":"${"y".repeat(5 * 1024 * 1024 + extra)}"}`, contentType: json })),
      weight: 1,
    },
  );
}

export type ParsedLine = { ok: true; value: unknown } | { ok: false; reason: string };

const NON_FINITE = ["-Infinity", "Infinity", "NaN"] as const;

/**
 * Python's json.dumps writes bare NaN, Infinity and -Infinity, which JSON.parse
 * refuses. Outside strings, they become the strings "NaN", "Infinity" and
 * "-Infinity", so the value survives as data instead of the line being lost.
 * Returns null when there was nothing to replace.
 */
function quoteNonFinite(text: string): string | null {
  let out = "";
  let inString = false;
  let replaced = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    const token = NON_FINITE.find((t) => text.startsWith(t, i) && !/[\w$]/.test(text[i + t.length] ?? ""));
    if (token && !/[\w$.]/.test(text[i - 1] ?? "")) {
      out += `"${token}"`;
      i += token.length - 1;
      replaced = true;
      continue;
    }
    out += c;
  }
  return replaced ? out : null;
}

/** Parses one line as JSON, leniently accepting Python's NaN/Infinity literals. */
export function parseLine(text: string): ParsedLine {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const quoted = quoteNonFinite(text);
    if (quoted !== null) {
      try {
        return { ok: true, value: JSON.parse(quoted) };
      } catch {
        // fall through to the original error, which names the real problem
      }
    }
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
}

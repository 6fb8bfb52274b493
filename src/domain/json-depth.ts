/** Deepest nesting accepted in one event. Deeper JSON is refused before it can exhaust the stack anywhere. */
export const MAX_JSON_DEPTH = 32;

/** True when a parsed JSON value nests objects/arrays deeper than `max` (checked without recursion). */
export function jsonDepthExceeds(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, depth] = top;
    if (v === null || typeof v !== "object") continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}

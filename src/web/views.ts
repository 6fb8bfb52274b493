/**
 * The explorer's pages and their URLs. Each view has its own path, so a deep
 * link works on reload: the worker answers every one with the page shell
 * (src/web/pages.tsx) and the client module renders the view it names.
 */
export type ViewName = "overview" | "events" | "event" | "session" | "patterns" | "pattern" | "datasets" | "dataset" | "review";

export interface View {
  name: ViewName;
  /** The id, session id, pattern id or dataset name the path names. */
  id?: string;
}

/** The first path segments the explorer's pages live under (besides `/`). */
export const VIEW_PREFIXES = ["/events", "/sessions", "/patterns", "/datasets", "/review"] as const;

const ROUTES: [RegExp, ViewName][] = [
  [/^\/$/, "overview"],
  [/^\/events\/?$/, "events"],
  [/^\/events\/([^/]+)$/, "event"],
  [/^\/sessions\/([^/]+)$/, "session"],
  [/^\/patterns\/?$/, "patterns"],
  [/^\/patterns\/([^/]+)$/, "pattern"],
  [/^\/datasets\/?$/, "datasets"],
  [/^\/datasets\/([^/]+)$/, "dataset"],
  [/^\/review\/?$/, "review"],
];

/** The view a path names, or null when none does. */
export function viewOf(path: string): View | null {
  for (const [pattern, name] of ROUTES) {
    const m = pattern.exec(path);
    if (!m) continue;
    if (m[1] === undefined) return { name };
    try {
      return { name, id: decodeURIComponent(m[1]) };
    } catch {
      return null;
    }
  }
  return null;
}

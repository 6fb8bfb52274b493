import { basename } from "node:path";

/** logrotate suffixes: `.1`, `-20260101`, `-2026010112`, `.2026-01-01`, and dateext before the extension. */
const ROTATION_SUFFIXES = [/\.\d+$/, /[-_.]\d{8}(\d{2})?$/, /[-_.]\d{4}-\d{2}-\d{2}$/, /[-_.]\d{8}(\d{2})?(?=\.jsonl?$)/];

/**
 * The label a file's events are identified by on the server: its base name
 * without a rotation suffix. `ralph-events.jsonl.1` keeps the label of
 * `ralph-events.jsonl`, and rename rotation keeps byte offsets, so a line read
 * again through the rotated name gets the same event id and is not stored twice.
 */
export function fileLabel(path: string): string {
  let name = basename(path);
  for (let changed = true; changed; ) {
    changed = false;
    for (const suffix of ROTATION_SUFFIXES) {
      const stripped = name.replace(suffix, "");
      if (stripped !== name && stripped !== "") {
        name = stripped;
        changed = true;
      }
    }
  }
  return name.slice(0, 200);
}

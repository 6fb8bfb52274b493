import { Hono } from "hono";
import { readConfig } from "../config";
import { toFieldErrors } from "../domain/event-schema";
import { MAX_OTLP_DEPTH, mapGenAiSpans, otlpTracesSchema } from "../domain/otlp";
import { parseStrictJson } from "../domain/strict-json";
import type { Env } from "../env";
import { ingestItems } from "../pipeline/ingest";
import { requireProjectKey, type ProjectVars } from "./auth";
import { ApiError } from "./errors";
import { readBodyWithin } from "./read-body";

export const otlpRoutes = new Hono<{ Bindings: Env; Variables: ProjectVars }>();

otlpRoutes.use("*", requireProjectKey);

/**
 * OTLP/HTTP traces, JSON encoding. GenAI spans become events (one per LLM
 * call, id `<traceId>:<spanId>`) through the same ingest path as /v1/events;
 * other spans are counted and skipped. Answers OTLP's partial-success shape,
 * plus Gleaner's per-span results.
 */
otlpRoutes.post("/v1/traces", async (c) => {
  const type = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw new ApiError(415, "unsupported_media_type", "send OTLP/HTTP with the JSON encoding (Content-Type: application/json); protobuf is not supported");
  }
  const config = readConfig(c.env);
  const body = await readBodyWithin(c.req.raw, config.MAX_BODY_BYTES);
  const parsed = parseStrictJson(body, { maxDepth: MAX_OTLP_DEPTH });
  if (!parsed.ok) {
    const field = parsed.path || "body";
    throw new ApiError(400, parsed.code, `${field}: ${parsed.message}`, {
      errors: [{ path: parsed.path, message: parsed.message, code: parsed.code }],
    });
  }
  const request = otlpTracesSchema.safeParse(parsed.value);
  if (!request.success) {
    const errors = toFieldErrors(request.error);
    throw new ApiError(400, "invalid_otlp", errors.map((e) => `${e.path || "body"}: ${e.message}`).join("; "), { errors });
  }
  const mapped = mapGenAiSpans(request.data);
  const summary = mapped.events.length
    ? await ingestItems(c.env, c.get("project"), mapped.events.map((value) => ({ value })), c.get("requestId"), Date.now())
    : { accepted: 0, duplicates: 0, rejected: 0, results: [] };
  if ("status" in summary) throw new ApiError(summary.status, summary.code, summary.message);
  const rejectedSpans = summary.rejected + mapped.invalid.length;
  const reasons = [
    ...mapped.invalid.map((i) => `${i.path}: ${i.message}`),
    ...summary.results.flatMap((r) => (r.status === "rejected" ? [`span ${r.id ?? r.index}: ${r.errors.map((e) => `${e.path} ${e.message}`).join("; ")}`] : [])),
  ];
  return c.json({
    ...(rejectedSpans > 0 ? { partialSuccess: { rejectedSpans, errorMessage: reasons.slice(0, 20).join(" | ") } } : {}),
    accepted: summary.accepted,
    duplicates: summary.duplicates,
    rejected: rejectedSpans,
    skipped_non_genai: mapped.skipped,
    results: summary.results,
  });
});

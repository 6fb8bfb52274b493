import type { z } from "zod";
import type { OpenApiDocument } from "./document";
import type { Body, Operation } from "./operation";

function issues(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
}

function bodyIssues(body: Pick<Body, "schema" | "lines">, value: unknown): string[] {
  if (!body.lines) return issues(body.schema, value);
  if (typeof value !== "string") return ["an NDJSON example must be a string"];
  return value
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line, i) => {
      try {
        return issues(body.schema, JSON.parse(line)).map((m) => `line ${i + 1}: ${m}`);
      } catch {
        return [`line ${i + 1}: not JSON`];
      }
    });
}

/**
 * Checks every example a served document carries against the zod schema its
 * operation validates with (request bodies) or answers with (responses), and
 * that every request body has at least one example. Returns one line per problem.
 */
export function exampleProblems(document: OpenApiDocument, operations: readonly Operation[]): string[] {
  const problems: string[] = [];
  for (const op of operations) {
    const where = `${op.method.toUpperCase()} ${op.path}`;
    const served = document.paths[op.path]?.[op.method];
    if (!served) {
      problems.push(`${where}: not in the document`);
      continue;
    }
    for (const body of op.body ?? []) {
      const type = body.mediaType ?? "application/json";
      const examples = Object.entries(served.requestBody?.content[type]?.examples ?? {});
      if (examples.length === 0) problems.push(`${where} ${type}: no example`);
      for (const [name, example] of examples) for (const m of bodyIssues(body, example.value)) problems.push(`${where} ${type} example '${name}': ${m}`);
    }
    for (const [status, reply] of Object.entries(op.responses)) {
      if (!reply.schema) continue;
      const type = reply.mediaType ?? "application/json";
      for (const [name, example] of Object.entries(served.responses[status]?.content?.[type]?.examples ?? {})) {
        for (const m of issues(reply.schema, example.value)) problems.push(`${where} ${status} example '${name}': ${m}`);
      }
    }
  }
  return problems;
}

import { createMiddleware } from "hono/factory";
import { findApiKey } from "../adapters/key-store";
import { apiKeyId, digestIsOf, digestMatchesHash, secretDigest, secretsEqual } from "../domain/api-keys";
import type { Env } from "../env";
import { ApiError } from "./errors";
import { chargeRateLimit, routeClassOf } from "./rate-limit";

export type ProjectVars = { project: string; keyId: string };

function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m?.[1] ?? null;
}

/**
 * The secret of `Authorization: Basic base64(<user>:<secret>)` (RFC 7617: the user id holds no colon, the
 * secret may), or null when the header is not Basic; "" when it is Basic but unreadable or without a secret.
 */
function basicSecret(header: string | undefined): string | null {
  const m = /^Basic\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(m[1] ?? ""), (ch) => ch.charCodeAt(0)));
  } catch {
    return "";
  }
  const colon = decoded.indexOf(":");
  return colon < 0 ? "" : decoded.slice(colon + 1);
}

const BEARER_CHALLENGE = 'Bearer realm="gleaner"';
const BASIC_CHALLENGE = 'Bearer realm="gleaner", Basic realm="gleaner"';

const unauthorized = (message: string, challenge = BEARER_CHALLENGE) => new ApiError(401, "unauthorized", message, null, { "WWW-Authenticate": challenge });

/**
 * Requires a live project key. A request may name its project (`X-Gleaner-Project`
 * header or `project` query); naming another project than the key's is 403.
 * Then charges the request to the key's rate limit for its route class
 * (routeClassOf): after authentication, so no one spends another key's budget.
 * With `basic`, the key may also come as the secret of `Authorization: Basic
 * base64(<anything>:<project key>)` (what Langfuse's SDK sends: public key, secret key).
 */
function projectKeyMiddleware(options: { basic: boolean }) {
  const challenge = options.basic ? BASIC_CHALLENGE : BEARER_CHALLENGE;
  return createMiddleware<{ Bindings: Env; Variables: ProjectVars }>(async (c, next) => {
    const header = c.req.header("Authorization");
    const fromBasic = options.basic ? basicSecret(header) : null;
    if (fromBasic === "") throw unauthorized("unreadable Basic credentials: send Authorization: Basic base64(<public key>:<project key>)", challenge);
    const presented = fromBasic ?? bearer(header);
    if (!presented) {
      throw unauthorized(
        options.basic
          ? "missing credentials: send Authorization: Bearer <project key>, or Basic base64(<public key>:<project key>)"
          : "missing bearer token: send Authorization: Bearer <project key>",
        challenge,
      );
    }
    // One digest of what was presented serves both comparisons.
    const digest = await secretDigest(presented);
    if (c.env.GLEANER_ADMIN_TOKEN && (await digestIsOf(digest, c.env.GLEANER_ADMIN_TOKEN))) {
      throw new ApiError(403, "forbidden", "the admin token cannot be used here: use a project key");
    }
    const id = apiKeyId(presented);
    const stored = id ? await findApiKey(c.env.DB, id) : undefined;
    if (!stored || !digestMatchesHash(digest, stored.keyHash)) {
      throw unauthorized("invalid API key", challenge);
    }
    if (stored.revokedAt !== null) throw unauthorized("this API key was revoked", challenge);
    const named = c.req.header("X-Gleaner-Project") ?? c.req.query("project");
    if (named !== undefined && named !== stored.project) {
      throw new ApiError(403, "forbidden", `this key belongs to another project than '${named}'`);
    }
    c.set("project", stored.project);
    c.set("keyId", stored.id);
    await chargeRateLimit(c, routeClassOf(c.req.method, c.req.path), stored.id);
    await next();
  });
}

/** A project key as `Authorization: Bearer <project key>`. */
export const requireProjectKey = projectKeyMiddleware({ basic: false });

/** A project key as Bearer, or as the secret of Basic auth: only for routes that stand in for another product's API (src/routes/langfuse.ts). */
export const requireProjectKeyOrBasic = projectKeyMiddleware({ basic: true });

/**
 * Requires the admin token (the GLEANER_ADMIN_TOKEN secret), then charges the
 * admin rate limit, per client address (CF-Connecting-IP, which Cloudflare
 * sets) so one runaway script does not lock out an operator elsewhere; all
 * local callers, which have none, share one budget.
 */
export const requireAdmin = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const token = c.env.GLEANER_ADMIN_TOKEN;
  if (!token) throw new ApiError(503, "admin_disabled", "GLEANER_ADMIN_TOKEN is not set: admin routes are disabled");
  const presented = bearer(c.req.header("Authorization"));
  if (!presented) throw unauthorized("missing bearer token: send Authorization: Bearer <admin token>");
  if (await secretsEqual(presented, token)) {
    await chargeRateLimit(c, "admin", c.req.header("CF-Connecting-IP") ?? "local");
    return next();
  }
  if (apiKeyId(presented)) throw new ApiError(403, "forbidden", "a project key cannot use admin routes");
  throw unauthorized("invalid admin token");
});

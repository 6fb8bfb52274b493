import { breakerOptions, DependencyUnavailableError, callWithBreaker } from "../adapters/breaker";
import { joinUrl } from "../adapters/join-url";
import type { Config } from "../config";
import { responseFacts, SseCollector, type AnswerFacts } from "../domain/proxy-answers";
import { proxyEvent } from "../domain/proxy-event";
import type { ProxyRequest } from "../domain/proxy-requests";
import { secretScrubber } from "../domain/proxy-secret-scrub";
import { parseUpstreams, type Upstream } from "../domain/proxy-upstreams";
import { redactionRules, redactText } from "../domain/redaction";
import type { Env } from "../env";
import { isFlagOn } from "../flags";
import { recordEventLater } from "./record-event-later";

/** The response header that names the event recorded for a proxied call. */
export const EVENT_ID_HEADER = "Gleaner-Event-Id";
/** The same id under its earlier name, kept for clients that read it. */
export const LEGACY_EVENT_ID_HEADER = "X-Gleaner-Event-Id";

/** Upstream response headers passed on to the client (scrubbed of the upstream's key); all others are dropped. */
const RELAYED_HEADERS = /^(content-type|retry-after|retry-after-ms|x-ratelimit-[a-z0-9-]+)$/i;

/** Why the proxy answers itself instead of relaying the upstream. */
export interface ProxyProblem {
  status: 404 | 502 | 503;
  code: string;
  message: string;
  details?: unknown;
  headers?: Record<string, string>;
}

/** An upstream ready to call: where, and with which key. */
export interface ResolvedUpstream {
  upstream: Upstream;
  apiKey?: string;
}

/**
 * Finds the upstream `name` in PROXY_UPSTREAMS with its key. A wrong entry
 * anywhere in PROXY_UPSTREAMS, or a named key secret that is not set, makes
 * the proxy refuse every call (503 `proxy_misconfigured`) rather than guess.
 */
export function resolveUpstream(env: Env, name: string): ResolvedUpstream | ProxyProblem {
  const config = parseUpstreams(env.PROXY_UPSTREAMS);
  if (!config.ok) {
    const which = `PROXY_UPSTREAMS entry ${config.entry}${config.name ? ` ('${config.name}')` : ""}`;
    return {
      status: 503,
      code: "proxy_misconfigured",
      message: `${which}: ${config.reason}; the proxy is off until it is fixed`,
      details: { entry: config.entry, ...(config.name ? { upstream: config.name } : {}), reason: config.reason },
    };
  }
  const upstream = config.upstreams.get(name);
  if (!upstream) {
    return {
      status: 404,
      code: "unknown_upstream",
      message: `no upstream named '${name}' in PROXY_UPSTREAMS`,
      details: { upstreams: [...config.upstreams.keys()] },
    };
  }
  if (!upstream.keySecret) return { upstream };
  // The secret's name is only known at run time (PROXY_UPSTREAMS names it): look it up among all the bindings.
  const bindings: Readonly<Record<string, unknown>> = { ...env };
  const apiKey = bindings[upstream.keySecret];
  if (typeof apiKey !== "string" || apiKey === "") {
    return {
      status: 503,
      code: "proxy_misconfigured",
      message: `the key secret '${upstream.keySecret}' of upstream '${upstream.name}' is not set`,
      details: { upstream: upstream.name, secret: upstream.keySecret },
    };
  }
  return { upstream, apiKey };
}

export interface ProxyCallInput extends ResolvedUpstream {
  request: ProxyRequest;
  /** The client's Accept header, forwarded. */
  accept?: string;
  project: string;
  requestId: string;
  clientRequestId?: string;
}

/**
 * Forwards a validated request to its upstream (timeout, breaker, no
 * redirects) and relays the answer: streams pass through chunk by chunk,
 * error answers are scrubbed of the upstream's key and of secrets. One event
 * per relayed answer is recorded through ingest, after the answer, with
 * `schedule` (waitUntil); its id, chosen here, is in `Gleaner-Event-Id`.
 */
export async function proxyCall(env: Env, config: Config, schedule: (work: Promise<unknown>) => void, input: ProxyCallInput): Promise<Response | ProxyProblem> {
  const { upstream, apiKey, request } = input;
  const scrubKey = secretScrubber(apiKey);
  const eventId = `proxy:${crypto.randomUUID()}`;
  const started = Date.now();
  const logging = isFlagOn("proxy_logging", env.FLAGS, input.project);
  const record = (status: number, answer: AnswerFacts, upstreamError?: string) => {
    if (!logging) return;
    const event = proxyEvent(
      {
        eventId,
        upstream: upstream.name,
        request,
        startedAt: started,
        latencyMs: Date.now() - started,
        status,
        answer,
        ...(input.clientRequestId ? { clientRequestId: input.clientRequestId } : {}),
        ...(upstreamError ? { upstreamError } : {}),
      },
      config.MAX_EVENT_BYTES,
    );
    schedule(recordEventLater(env, input.project, event, input.requestId, config));
  };

  // Every answer the proxy gives for a call it made names the event it records, failures included.
  const idHeaders: Record<string, string> = logging ? { [EVENT_ID_HEADER]: eventId, [LEGACY_EVENT_ID_HEADER]: eventId } : {};
  const called = await callUpstream(env, config, input, {
    method: "POST",
    path: request.op,
    accept: input.accept ?? "application/json",
    // The validated object, re-serialised: what the upstream reads is what was checked and is logged.
    body: JSON.stringify(request.body),
  });
  if (!(called instanceof Response)) {
    record(called.status, {}, called.message);
    return { ...called, headers: { ...called.headers, ...idHeaders } };
  }
  const res = called;
  const { failed, clean, headers } = relayed(res, config, scrubKey);
  for (const [name, value] of Object.entries(idHeaders)) headers.set(name, value);

  if (!failed && (res.headers.get("Content-Type") ?? "").includes("text/event-stream") && res.body) {
    const collector = new SseCollector();
    const decoder = new TextDecoder();
    const passThrough = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk);
        collector.push(decoder.decode(chunk, { stream: true }));
      },
      flush() {
        collector.push(`${decoder.decode()}\n`);
        record(res.status, collector.facts());
      },
    });
    headers.set("Cache-Control", "no-cache");
    return new Response(res.body.pipeThrough(passThrough), { status: res.status, headers });
  }
  const text = clean(await res.text());
  record(res.status, failed ? {} : factsOf(request, text), failed ? text : undefined);
  return new Response(text, { status: res.status, headers });
}

/**
 * Calls `path` of the upstream (timeout, breaker, no redirects). A 5xx answer,
 * a failed call or a redirect is a problem (502, or 503 while the breaker is
 * open), its message scrubbed of the upstream's key; any other answer is returned.
 */
async function callUpstream(
  env: Env,
  config: Config,
  { upstream, apiKey }: ResolvedUpstream,
  call: { method: "GET" | "POST"; path: string; accept: string; body?: string },
): Promise<Response | ProxyProblem> {
  const scrubKey = secretScrubber(apiKey);
  let res: Response;
  try {
    res = await callWithBreaker(env.DB, `proxy_${upstream.name}`, breakerOptions(config, { keepSignalAfterReturn: true }), async (signal) => {
      const answer = await fetch(joinUrl(upstream.baseUrl, call.path), {
        method: call.method,
        signal,
        redirect: "manual",
        headers: {
          ...(call.body !== undefined ? { "Content-Type": "application/json" } : {}),
          Accept: call.accept,
          ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}),
        },
        ...(call.body !== undefined ? { body: call.body } : {}),
      });
      if (answer.status >= 500) {
        await answer.body?.cancel();
        throw new Error(`upstream answered HTTP ${answer.status}`);
      }
      return answer;
    });
  } catch (err) {
    const reason = scrubKey(err instanceof Error ? err.message : "upstream failed");
    if (err instanceof DependencyUnavailableError) return { status: 503, code: "upstream_unavailable", message: reason, headers: { "Retry-After": "30" } };
    return { status: 502, code: "upstream_failed", message: reason };
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    return {
      status: 502,
      code: "upstream_redirect",
      message: `the upstream redirected to ${scrubKey(res.headers.get("Location") ?? "elsewhere")}; redirects are not followed`,
    };
  }
  return res;
}

/**
 * How an upstream answer is relayed: error answers (4xx) are Gleaner's to relay,
 * so they are scrubbed like anything stored; answers are the client's own (only
 * the upstream's key is scrubbed). Only RELAYED_HEADERS pass.
 */
function relayed(res: Response, config: Config, scrubKey: (text: string) => string) {
  const failed = res.status >= 400;
  const rules = redactionRules({ emails: config.REDACT_EMAILS, disabledKinds: config.REDACTION_DISABLED });
  const clean = failed ? (text: string) => redactText(scrubKey(text), rules, new Map()) : scrubKey;
  const headers = new Headers({ "Content-Type": "application/json" });
  for (const [name, value] of res.headers) if (RELAYED_HEADERS.test(name)) headers.set(name, clean(value));
  return { failed, clean, headers };
}

/**
 * `GET {upstream}/models`, passed through (clients list the models before they
 * call one). Nothing is recorded. Failures are answered as for chat calls: 5xx,
 * failed calls and redirects are problems, 4xx answers are relayed scrubbed.
 */
export async function proxyModels(env: Env, config: Config, target: ResolvedUpstream): Promise<Response | ProxyProblem> {
  const res = await callUpstream(env, config, target, { method: "GET", path: "models", accept: "application/json" });
  if (!(res instanceof Response)) return res;
  const { clean, headers } = relayed(res, config, secretScrubber(target.apiKey));
  return new Response(clean(await res.text()), { status: res.status, headers });
}

/** What a non-streamed answer says, or nothing when it is not JSON. */
function factsOf(request: ProxyRequest, text: string): AnswerFacts {
  try {
    return responseFacts(request.op, JSON.parse(text));
  } catch {
    return {};
  }
}

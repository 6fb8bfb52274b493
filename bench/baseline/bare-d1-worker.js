/**
 * The D1 limit of Gleaner's ingest design, as a worker: `POST /v1/events`
 * reads the body as text and writes its `events` into the inbox table with one
 * `json_each` INSERT (the same columns Gleaner fills, ON CONFLICT DO NOTHING),
 * and does nothing else: no validation, redaction, counters, batch row, queue
 * or log line. Answers 202 with the number of rows written. Any other request: 200.
 */
const INSERT = `
INSERT INTO events (project, event_id, batch_id, schema_version, type, source, client_timestamp,
                    client_time_ms, interaction_id, received_at, status, payload)
SELECT 'bench', e.value ->> '$.id', ?1, 1, e.value ->> '$.type', e.value ->> '$.source',
       e.value ->> '$.timestamp', 0, e.value ->> '$.interaction_id', ?2, 'received', e.value
FROM json_each(?3, '$.events') AS e WHERE true
ON CONFLICT (project, event_id) DO NOTHING`;

let n = 0;

export default {
  async fetch(request, env) {
    if (request.method !== "POST") return new Response('{"status":"ok"}', { headers: { "Content-Type": "application/json" } });
    const body = await request.text();
    const r = await env.DB.prepare(INSERT).bind(`bare-${Date.now()}-${n++}`, Date.now(), body).run();
    return new Response(`{"accepted":${r.meta.changes}}`, { status: 202, headers: { "Content-Type": "application/json" } });
  },
};

import { request } from "node:http";

export interface PlainResponse {
  ok: boolean;
  status: number;
  text(): Promise<string>;
}

/**
 * POSTs `body` to `url` (http only) and resolves once the whole answer is in.
 * node:http rather than fetch: the idle runner then never loads undici
 * (~13 MB of RSS) for its handful of calls to its own worker.
 */
export function post(url: URL, headers: Record<string, string>, body: string): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ ok: status >= 200 && status < 300, status, text: () => Promise.resolve(text) });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

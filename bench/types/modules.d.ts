// The parts of autocannon 8 and ws that the benchmark uses (neither ships types).
declare module "autocannon" {
  interface Histogram {
    p50: number;
    p99: number;
    average: number;
  }
  interface Result {
    "2xx": number;
    non2xx: number;
    errors: number;
    timeouts: number;
    latency: Histogram;
    requests: Histogram;
    statusCodeStats?: Record<string, { count: number }>;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    overallRate?: number;
    timeout?: number;
    requests?: Record<string, unknown>[];
  }
  export default function autocannon(options: Options): Promise<Result>;
}

declare module "ws" {
  export default class WebSocket {
    constructor(url: string);
    once(event: "open" | "error", listener: (arg?: unknown) => void): this;
    on(event: "message", listener: (data: unknown) => void): this;
    send(data: string): void;
    close(): void;
  }
}

import { Agent, request } from 'node:http';

/** One HTTP publish call, as each server's API wants it. */
export interface PublishRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** HTTP client for the servers' publish APIs over keep-alive connections. */
export class Publisher {
  private readonly agent: Agent;

  constructor(
    private readonly port: number,
    maxSockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** Sends one request; rejects on a network error or a status other than 200. */
  send(req: PublishRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      const r = request(
        { host: '127.0.0.1', port: this.port, path: req.path, method: 'POST', agent: this.agent, headers: { ...req.headers, 'Content-Length': Buffer.byteLength(req.body) } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${req.path}: HTTP ${res.statusCode}`))));
        },
      );
      r.on('error', reject);
      r.end(req.body);
    });
  }

  /**
   * Sends `total` requests at a fixed rate (the schedule does not slow down when the
   * server does: at most `maxInFlight` wait for answers). Returns the seconds it took.
   */
  async paced(rate: number, total: number, maxInFlight: number, make: (n: number) => PublishRequest): Promise<number> {
    const started = performance.now();
    const inFlight = new Set<Promise<void>>();
    for (let n = 0; n < total; n++) {
      const wait = started + (n * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      const p = this.send(make(n)).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    return (performance.now() - started) / 1000;
  }

  /** As many requests as `concurrency` lanes can send for `durationMs`. */
  async hammer(concurrency: number, durationMs: number, make: () => PublishRequest): Promise<{ requests: number; seconds: number }> {
    let requests = 0;
    const started = performance.now();
    const deadline = started + durationMs;
    const lane = async (): Promise<void> => {
      while (performance.now() < deadline) {
        await this.send(make());
        requests++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    return { requests, seconds: (performance.now() - started) / 1000 };
  }

  close(): void {
    this.agent.destroy();
  }
}

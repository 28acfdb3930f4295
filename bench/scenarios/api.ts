import { Agent, request } from 'node:http';
import { startParsec } from '../server-process.js';

export interface ApiResult {
  kind: string;
  requests: number;
  publications: number;
  seconds: number;
  requestsPerSecond: number;
  publicationsPerSecond: number;
  serverCpuSeconds: number;
}

const KEY = 'bench-api-key';

function post(agent: Agent, port: number, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'X-API-Key': KEY, 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function hammer(port: number, path: string, body: string, concurrency: number, durationMs: number): Promise<{ requests: number; seconds: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let requests = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await post(agent, port, path, body);
      requests++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { requests, seconds: (performance.now() - started) / 1000 };
}

/** Server API publish throughput: single publishes and batches of 100, ~100-byte payloads, history on. */
export async function runApi(opts: { concurrency: number; durationMs: number }): Promise<ApiResult[]> {
  const server = await startParsec({
    log: { level: 'info' },
    http_api: { key: KEY },
    channel: { without_namespace: { history_size: 10, history_ttl: '60s' } },
  });
  const data = { text: 'x'.repeat(80), n: 1 };
  const single = JSON.stringify({ channel: 'bench', data });
  const batch = JSON.stringify({ commands: Array.from({ length: 100 }, (_, i) => ({ publish: { channel: `bench${i % 10}`, data } })) });
  const results: ApiResult[] = [];
  try {
    for (const [kind, path, body, per] of [
      ['publish', '/api/publish', single, 1],
      ['batch of 100 publishes', '/api/batch', batch, 100],
    ] as const) {
      await hammer(server.port, path, body, 4, 500); // warm-up
      const cpu0 = server.cpuSeconds();
      const r = await hammer(server.port, path, body, opts.concurrency, opts.durationMs);
      results.push({
        kind,
        requests: r.requests,
        publications: r.requests * per,
        seconds: r.seconds,
        requestsPerSecond: r.requests / r.seconds,
        publicationsPerSecond: (r.requests * per) / r.seconds,
        serverCpuSeconds: server.cpuSeconds() - cpu0,
      });
    }
  } finally {
    await server.stop();
  }
  return results;
}

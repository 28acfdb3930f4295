import { Publisher } from '../publisher.js';
import { TARGET_KINDS, startTarget, type TargetKind } from '../targets.js';

export interface ApiResult {
  kind: TargetKind;
  server: string;
  call: string;
  requests: number;
  publications: number;
  seconds: number;
  requestsPerSecond: number;
  publicationsPerSecond: number;
  serverCpuSeconds: number;
}

const BATCH = 100;

/**
 * Scenario (e), the publish API: keep-alive requests with `concurrency` in flight, ~100-byte
 * payloads to channels without subscribers, so only the API path is measured. Single
 * publishes for every server; batches of 100 where the server has a batch call.
 */
export async function runApi(opts: { concurrency: number; durationMs: number; kinds?: readonly TargetKind[] }): Promise<ApiResult[]> {
  const data = `{"text":"${'x'.repeat(80)}","n":1}`;
  const results: ApiResult[] = [];
  for (const kind of opts.kinds ?? TARGET_KINDS) {
    const target = await startTarget(kind);
    const publisher = new Publisher(target.server.port, opts.concurrency);
    try {
      const calls = [{ call: 'publish', per: 1, make: () => target.publish('bench', data) }];
      const batch = target.publishBatch;
      if (batch) {
        const items = Array.from({ length: BATCH }, (_, i) => ({ channel: `bench${i % 10}`, data }));
        calls.push({ call: `batch of ${BATCH}`, per: BATCH, make: () => batch(items) });
      }
      for (const c of calls) {
        await publisher.hammer(4, 500, c.make); // warm-up
        const cpu0 = target.server.cpuSeconds();
        const r = await publisher.hammer(opts.concurrency, opts.durationMs, c.make);
        results.push({
          kind,
          server: target.name,
          call: c.call,
          requests: r.requests,
          publications: r.requests * c.per,
          seconds: r.seconds,
          requestsPerSecond: r.requests / r.seconds,
          publicationsPerSecond: (r.requests * c.per) / r.seconds,
          serverCpuSeconds: target.server.cpuSeconds() - cpu0,
        });
      }
    } finally {
      publisher.close();
      await target.server.stop();
    }
  }
  return results;
}

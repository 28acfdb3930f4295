import { nowMicros } from '../load/histogram.js';
import type { DialectName } from '../load/dialects.js';
import type { LoadPool } from '../load/pool.js';
import { Publisher } from '../publisher.js';
import { startParsec } from '../server-process.js';
import { SECRET, parsecConfig, parsecPublish, stampedPayload } from '../targets.js';
import { warmAndMeasure, type Delivery } from './measure.js';

export interface UniFanoutResult extends Delivery {
  transport: string;
  subscribers: number;
}

/**
 * Fan-out to bidirectional WebSocket subscribers (subscribed by command) against
 * uni_websocket subscribers (subscribed by their token's `channels`), same server, same load.
 */
export async function runUniFanout(pool: LoadPool, opts: { subscribers: number; rate: number; seconds: number }): Promise<UniFanoutResult[]> {
  const results: UniFanoutResult[] = [];
  const server = await startParsec(parsecConfig({ uni_websocket: { enabled: true } }));
  const publisher = new Publisher(server.port, 8);
  try {
    for (const [transport, dialect] of [
      ['websocket', 'parsec'],
      ['uni_websocket', 'parsec-uni'],
    ] as Array<[string, DialectName]>) {
      const open = await pool.open({ dialect, port: server.port, count: opts.subscribers, shared: ['fanout'], secret: SECRET, concurrency: 50 });
      if (open.failed) throw new Error(`${transport}: ${open.failed} subscribers failed: ${open.firstError}`);
      const load = (total: number) => ({ rate: opts.rate, total, expected: total * opts.subscribers, make: () => parsecPublish('fanout', stampedPayload(nowMicros())) });
      results.push({ transport, subscribers: opts.subscribers, ...(await warmAndMeasure(pool, [server], publisher, load, opts.rate, opts.seconds)) });
    }
  } finally {
    publisher.close();
    await server.stop();
  }
  return results;
}

import { nowMicros } from '../load/histogram.js';
import type { LoadPool } from '../load/pool.js';
import { Publisher } from '../publisher.js';
import { startParsec } from '../server-process.js';
import { SECRET, parsecConfig, parsecPublish } from '../targets.js';
import { measureDelivery, type Delivery } from './measure.js';

export interface CompressionResult extends Delivery {
  setup: string;
  subscribers: number;
  payloadBytes: number;
  /** What the server wrote per delivery (publish responses included, a small share). */
  wireBytesPerDelivery: number;
}

/** A ~1 KB JSON document of the kind apps publish (a list of records), stamped for the load workers. */
function recordsPayload(micros: number): string {
  const items = Array.from({ length: 8 }, (_, i) => `{"id":${1000 + i},"name":"product ${i}","price":${(12.5 + i).toFixed(2)},"in_stock":${i % 2 === 0},"tags":["new","sale"]}`);
  return `{"t":${micros},"kind":"price_update","items":[${items.join(',')}]}`;
}

/**
 * permessage-deflate against none: the same subscribers (all offering the extension), the
 * same publications, one server with `websocket.compression` off and one with it on (level 1,
 * every message). Reports server CPU per delivery and bytes written per delivery.
 */
export async function runCompression(pool: LoadPool, opts: { subscribers: number; rate: number; seconds: number }): Promise<CompressionResult[]> {
  const results: CompressionResult[] = [];
  for (const on of [false, true]) {
    const server = await startParsec(parsecConfig({ websocket: { compression: on, compression_min_size: 0, compression_level: 1 } }));
    const publisher = new Publisher(server.port, 8);
    try {
      const open = await pool.open({ dialect: 'parsec', port: server.port, count: opts.subscribers, shared: ['z'], secret: SECRET, concurrency: 50, deflate: true });
      if (open.failed) throw new Error(`${open.failed} subscribers failed: ${open.firstError}`);
      const load = (total: number) => ({ rate: opts.rate, total, expected: total * opts.subscribers, make: () => parsecPublish('z', recordsPayload(nowMicros())) });
      await measureDelivery(pool, [server], publisher, load(opts.rate));
      const written = server.writtenBytes();
      const m = await measureDelivery(pool, [server], publisher, load(opts.rate * opts.seconds));
      results.push({
        setup: on ? 'compression on (level 1)' : 'compression off',
        subscribers: opts.subscribers,
        payloadBytes: recordsPayload(nowMicros()).length,
        wireBytesPerDelivery: (server.writtenBytes() - written) / Math.max(1, m.delivered),
        ...m,
      });
      await pool.closeAll();
    } finally {
      publisher.close();
      await server.stop();
    }
  }
  return results;
}

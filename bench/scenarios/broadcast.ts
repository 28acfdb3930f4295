import { nowMicros } from '../load/histogram.js';
import type { LoadPool } from '../load/pool.js';
import { SECRET, TARGET_KINDS, stampedPayload, withTarget, type TargetKind } from '../targets.js';
import { warmAndMeasure, type Delivery } from './measure.js';

export interface BroadcastRow extends Delivery {
  kind: TargetKind;
  server: string;
  subscribers: number;
  rate: number;
}

export interface BroadcastOptions {
  /** Subscriber counts, each with a publish rate, or without one to use `deliveries / subscribers`. */
  sizes: { subscribers: number; rate?: number }[];
  /** Offered deliveries per second, the same for every server and size (publish rate = this / subscribers). */
  deliveries: number;
  seconds: number;
  kinds?: readonly TargetKind[];
}

/**
 * Scenario (a), fan-out: N subscribers on one channel, a publisher at a fixed rate through
 * each server's HTTP API, ~100-byte payloads. Every server gets the same offered load.
 */
export async function runBroadcast(pool: LoadPool, opts: BroadcastOptions): Promise<BroadcastRow[]> {
  const rows: BroadcastRow[] = [];
  for (const kind of opts.kinds ?? TARGET_KINDS) {
    await withTarget(kind, async (target, publisher) => {
      for (const size of opts.sizes) {
        const subscribers = size.subscribers;
        const open = await pool.open({ dialect: target.dialect, port: target.server.port, count: subscribers, shared: ['fanout'], secret: SECRET, concurrency: 50 });
        if (open.failed) throw new Error(`${target.name}: ${open.failed} of ${subscribers} subscribers failed: ${open.firstError}`);
        const rate = size.rate ?? Math.max(1, Math.round(opts.deliveries / subscribers));
        const load = (total: number) => ({ rate, total, expected: total * subscribers, make: () => target.publish('fanout', stampedPayload(nowMicros())) });
        const m = await warmAndMeasure(pool, [target.server], publisher, load, rate, opts.seconds);
        rows.push({ kind, server: target.name, subscribers, rate, ...m });
      }
    });
  }
  return rows;
}

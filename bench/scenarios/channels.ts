import { nowMicros } from '../load/histogram.js';
import type { LoadPool } from '../load/pool.js';
import { SECRET, TARGET_KINDS, stampedPayload, withTarget, type TargetKind } from '../targets.js';
import { warmAndMeasure, type Delivery } from './measure.js';

export interface ChannelsRow extends Delivery {
  kind: TargetKind;
  server: string;
  clients: number;
}

export interface ChannelsOptions {
  clients: number;
  /** Publishes per second to personal channels, spread over all of them. */
  personalRate: number;
  /** Publishes per second to the shared channel. */
  sharedRate: number;
  seconds: number;
  kinds?: readonly TargetKind[];
}

/**
 * Scenario (b), many channels: every client on its own channel `p<i>` and on `shared`;
 * publishes go round-robin over the personal channels, with every `k`-th one to `shared`.
 */
export async function runChannels(pool: LoadPool, opts: ChannelsOptions): Promise<ChannelsRow[]> {
  const rows: ChannelsRow[] = [];
  const rate = opts.personalRate + opts.sharedRate;
  const every = Math.round(rate / opts.sharedRate);
  const channelOf = (n: number): string => (n % every === 0 ? 'shared' : `p${(n * 7919) % opts.clients}`);
  const expectedOf = (total: number): number => {
    let e = 0;
    for (let n = 0; n < total; n++) e += n % every === 0 ? opts.clients : 1;
    return e;
  };
  for (const kind of opts.kinds ?? TARGET_KINDS) {
    await withTarget(kind, async (target, publisher) => {
      const open = await pool.open({ dialect: target.dialect, port: target.server.port, count: opts.clients, personal: 'p', shared: ['shared'], secret: SECRET, concurrency: 50 });
      if (open.failed) throw new Error(`${target.name}: ${open.failed} clients failed: ${open.firstError}`);
      const load = (total: number) => ({ rate, total, expected: expectedOf(total), make: (n: number) => target.publish(channelOf(n), stampedPayload(nowMicros())) });
      const m = await warmAndMeasure(pool, [target.server], publisher, load, rate, opts.seconds);
      rows.push({ kind, server: target.name, clients: opts.clients, ...m });
    });
  }
  return rows;
}

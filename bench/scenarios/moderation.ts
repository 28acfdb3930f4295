import type { LoadPool } from '../load/pool.js';
import { startParsec } from '../server-process.js';
import { bareConfig, blockUsers, moderationConfig } from '../targets.js';
import { measureFanout, type FanoutResult } from './fanout.js';

/**
 * The cost of the operator instruments in one run: fan-out with blocks, rate limits and
 * activity recording off, then on (10k blocked users, per-connection limits on every
 * command, activity recorded), same load.
 */
export async function runModeration(pool: LoadPool, opts: { subscribers: number; rate: number; seconds: number; blocked: number }): Promise<FanoutResult[]> {
  const results: FanoutResult[] = [];
  const off = await startParsec(bareConfig());
  try {
    results.push(await measureFanout(pool, 'blocks, rate limits, activity off', [off], opts));
  } finally {
    await off.stop();
  }
  const on = await startParsec(moderationConfig());
  try {
    await blockUsers(on.port, opts.blocked);
    results.push(await measureFanout(pool, `on: ${opts.blocked} blocked users, limits, activity`, [on], opts));
  } finally {
    await on.stop();
  }
  return results;
}

import type { LoadPool } from '../load/pool.js';
import { startParsec } from '../server-process.js';
import { API_KEY, SECRET, parsecConfig } from '../targets.js';
import { measureFanout, type FanoutResult } from './fanout.js';

const bucket = (interval: string, rate: number) => ({ enabled: true, buckets: [{ interval, rate }] });

/** Blocks `count` users through the server API, in batches. */
async function blockUsers(port: number, count: number): Promise<void> {
  for (let from = 0; from < count; from += 1000) {
    const commands = Array.from({ length: Math.min(1000, count - from) }, (_, i) => ({ block_user: { user: `blocked-${from + i}`, reason: 'bench' } }));
    const res = await fetch(`http://127.0.0.1:${port}/api/batch`, { method: 'POST', headers: { 'X-API-Key': API_KEY }, body: JSON.stringify({ commands }) });
    if (!res.ok) throw new Error(`block_user batch failed: ${res.status}`);
  }
}

/**
 * The cost of the operator instruments in one run: fan-out with blocks, rate limits and
 * activity recording off, then on (10k blocked users, per-connection limits on every
 * command, activity recorded), same load.
 */
export async function runModeration(pool: LoadPool, opts: { subscribers: number; rate: number; seconds: number; blocked: number }): Promise<FanoutResult[]> {
  const results: FanoutResult[] = [];
  const off = await startParsec(parsecConfig({ parsec: { activity: { enabled: false } } }));
  try {
    results.push(await measureFanout(pool, 'blocks, rate limits, activity off', [off], opts));
  } finally {
    await off.stop();
  }
  const on = await startParsec(
    parsecConfig({
      parsec: { activity: { enabled: true } },
      client: {
        // The whole `client` section is replaced, so the comparison's own keys come along.
        token: { hmac_secret_key: SECRET },
        queue_max_size: 16 << 20,
        rate_limit: {
          client_command: { enabled: true, total: bucket('1s', 1000), default: bucket('1s', 100) },
          client_error: { enabled: true, total: bucket('5s', 20) },
        },
      },
    }),
  );
  try {
    await blockUsers(on.port, opts.blocked);
    results.push(await measureFanout(pool, `on: ${opts.blocked} blocked users, limits, activity`, [on], opts));
  } finally {
    await on.stop();
  }
  return results;
}

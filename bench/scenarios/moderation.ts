import type { LoadPool } from '../load/pool.js';
import { startParsec, type ServerProcess } from '../server-process.js';
import { SECRET, bareConfig, blockUsers, moderationConfig, type Instrument } from '../targets.js';
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

/** The pause after each storm, in which the server finishes closing its sockets. */
const SETTLE_MS = 200;

/** One server's share of a round: connections made, and the server's CPU seconds (all, and user space only). */
export interface StormShare {
  connections: number;
  cpuSeconds: number;
  userCpuSeconds: number;
}

/** One round of the paired connect storm: the same storm against each server. */
export interface ConnectPairRound {
  round: number;
  /** Which server went first this round. */
  first: 'off' | 'on';
  off: StormShare;
  on: StormShare;
}

/**
 * The instruments' cost on connects, measured in pairs: both servers run side by side and
 * take the same storm in turn, the order swapped every round (off-on, on-off, …), so a drift
 * of the machine during the run (a storm's figures swing by a quarter between runs) falls on
 * both alike. User-space CPU is given apart: the instruments run there, while the kernel's
 * share (the sockets' work, the larger and noisier part) is the same for both. Each storm is
 * a WebSocket handshake, `connect` (HS256) and `subscribe`, then the socket is dropped; the
 * users are the same every round, as returning users would be. `without` leaves instruments
 * out of the "on" server, to see each one's share.
 */
export async function runModerationConnect(
  pool: LoadPool,
  opts: { connections: number; rounds: number; concurrency: number; blocked: number; without: readonly Instrument[] },
): Promise<ConnectPairRound[]> {
  const off = await startParsec(bareConfig());
  let on: ServerProcess | undefined;
  try {
    on = await startParsec(moderationConfig(opts.without));
    if (!opts.without.includes('blocks')) await blockUsers(on.port, opts.blocked);
    const storm = async (server: ServerProcess, count: number): Promise<StormShare> => {
      const cpu0 = server.cpuSeconds();
      const user0 = server.userCpuSeconds();
      const r = await pool.storm({ dialect: 'parsec', port: server.port, shared: ['storm'], secret: SECRET, concurrency: opts.concurrency, count });
      if (r.failed) throw new Error(`${r.failed} connects failed: ${r.firstError}`);
      // The server is still closing the storm's last sockets: count that here, and start the
      // next storm on a settled machine.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      return { connections: r.opened, cpuSeconds: server.cpuSeconds() - cpu0, userCpuSeconds: server.userCpuSeconds() - user0 };
    };
    const warmUp = Math.ceil(opts.connections / 2);
    await storm(off, warmUp);
    await storm(on, warmUp);
    const rounds: ConnectPairRound[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      const first = round % 2 === 1 ? 'off' : 'on';
      const a = await storm(first === 'off' ? off : on, opts.connections);
      const b = await storm(first === 'off' ? on : off, opts.connections);
      rounds.push({ round, first, off: first === 'off' ? a : b, on: first === 'off' ? b : a });
    }
    return rounds;
  } finally {
    await Promise.all([off.stop(), on?.stop()]);
  }
}

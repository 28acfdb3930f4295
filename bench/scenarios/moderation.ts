import type { LoadPool, OpenResult } from '../load/pool.js';
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

/** How the paired storm puts the two servers side by side: both at once (each on half the load workers), or one after the other. */
export type StormOrder = 'together' | 'turns';

/** One round of the paired connect storm: the same storm against each server. */
export interface ConnectPairRound {
  round: number;
  /** Turns: which server went first. Together: which server the first half of the load workers stormed. */
  first: 'off' | 'on';
  off: StormShare;
  on: StormShare;
}

/**
 * The instruments' cost on connects, measured in pairs: both servers run side by side and take
 * the same storm every round. `together` (the default) storms both at the same moment, each
 * from half the load workers, the halves swapped every round: whatever the machine does
 * during a storm (its figures swing by a quarter between runs on a shared machine) falls on
 * both alike. `turns` storms one after the other, the order swapped every round (off-on,
 * on-off, …). User-space CPU is given apart: the instruments run there, while the kernel's
 * share (the sockets' work, the larger and noisier part) is the same for both. Each storm is
 * a WebSocket handshake, `connect` (HS256) and `subscribe`, then the socket is dropped; the
 * users are the same every round, as returning users would be. `without` leaves instruments
 * out of the "on" server, to see each one's share.
 */
export async function runModerationConnect(
  pool: LoadPool,
  opts: { connections: number; rounds: number; concurrency: number; blocked: number; without: readonly Instrument[]; order: StormOrder },
): Promise<ConnectPairRound[]> {
  const off = await startParsec(bareConfig());
  let on: ServerProcess | undefined;
  try {
    on = await startParsec(moderationConfig(opts.without));
    if (!opts.without.includes('blocks')) await blockUsers(on.port, opts.blocked);
    const servers = { off, on };
    const spec = (server: ServerProcess, count: number) => ({ dialect: 'parsec' as const, port: server.port, shared: ['storm'], secret: SECRET, concurrency: opts.concurrency, count });
    const cpu = (server: ServerProcess) => ({ all: server.cpuSeconds(), user: server.userCpuSeconds() });
    const share = (server: ServerProcess, before: { all: number; user: number }, r: OpenResult): StormShare => {
      if (r.failed) throw new Error(`${r.failed} connects failed: ${r.firstError}`);
      return { connections: r.opened, cpuSeconds: server.cpuSeconds() - before.all, userCpuSeconds: server.userCpuSeconds() - before.user };
    };
    // The server is still closing the storm's last sockets: that is counted too, and the
    // next storm starts on a settled machine.
    const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const alone = async (server: ServerProcess, count: number): Promise<StormShare> => {
      const before = cpu(server);
      const r = await pool.storm(spec(server, count));
      await settle();
      return share(server, before, r);
    };
    const round = async (first: 'off' | 'on', count: number): Promise<{ off: StormShare; on: StormShare }> => {
      if (opts.order === 'turns') {
        const second = first === 'off' ? 'on' : 'off';
        const a = await alone(servers[first], count);
        const b = await alone(servers[second], count);
        return first === 'off' ? { off: a, on: b } : { off: b, on: a };
      }
      const before = { off: cpu(off), on: cpu(on!) };
      const [r0, r1] = await pool.stormTogether(spec(off, count), spec(on!, count), first === 'on');
      await settle();
      return { off: share(off, before.off, r0), on: share(on!, before.on, r1) };
    };
    await round('off', Math.ceil(opts.connections / 2));
    const rounds: ConnectPairRound[] = [];
    for (let n = 1; n <= opts.rounds; n++) {
      const first = n % 2 === 1 ? 'off' : 'on';
      rounds.push({ round: n, first, ...(await round(first, opts.connections)) });
    }
    return rounds;
  } finally {
    await Promise.all([off.stop(), on?.stop()]);
  }
}

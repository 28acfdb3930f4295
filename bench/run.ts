import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { LoadPool } from './load/pool.js';
import { fmt, ms, ratios, table } from './report.js';
import { runApi } from './scenarios/api.js';
import { runCapacity, type CapacityResult } from './scenarios/capacity.js';
import { runBroadcast } from './scenarios/broadcast.js';
import { runChannels } from './scenarios/channels.js';
import { runCompression } from './scenarios/compression.js';
import { runConnect } from './scenarios/connect.js';
import { runFanout } from './scenarios/fanout.js';
import { runLabelIndex } from './scenarios/label-index.js';
import { runMapFanout } from './scenarios/map-fanout.js';
import { runMemory } from './scenarios/memory.js';
import { runModeration, runModerationConnect, type StormOrder, type StormShare } from './scenarios/moderation.js';
import { runMqttConnect, runMqttFanout, type MqttBroker } from './scenarios/mqtt.js';
import { runRpcProxy } from './scenarios/rpc-proxy.js';
import { runSharedPoll } from './scenarios/shared-poll.js';
import { runStorm } from './scenarios/storm.js';
import { runTokenBroker } from './scenarios/token-broker.js';
import { runUniFanout } from './scenarios/uni-fanout.js';
import { LOAD_CORE, canPin, pinProcess, setServerNodeFlags } from './server-process.js';
import { ALL_TARGET_KINDS, BLOCKED_USERS, INSTRUMENTS, TARGET_KINDS, type Instrument, type TargetKind } from './targets.js';

/**
 * Benchmark runner: `npm run bench -- --scenario <name>[,<name>…]`. Loopback only,
 * bounded in count and time. Each server under test runs in its own process pinned
 * to core 0; this process and the load workers pin themselves to core 1.
 */
const SCENARIOS = ['fanout', 'channels', 'connect', 'memory', 'api', 'jwt', 'engine', 'labels', 'rpc', 'tokens', 'compression', 'uni', 'map', 'poll', 'moderation', 'mqtt', 'mqtt-connect', 'capacity'] as const;
/** Not part of `all`: it needs `--workers 4` and a few minutes of its own. */
const SEPARATE: readonly Scenario[] = ['capacity'];
type Scenario = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    servers: { type: 'string', default: TARGET_KINDS.join(',') },
    /** Fan-out subscriber counts; `N@R` publishes R/s instead of deliveries/N (1000@200 saturates the server). */
    sizes: { type: 'string', default: '1000,5000,10000,1000@200' },
    /** Subscriber counts of the MQTT fan-out (same `N@R` form). */
    'mqtt-sizes': { type: 'string', default: '1000,5000' },
    /** MQTT brokers compared (`mqtt`, `mqtt-connect`). */
    brokers: { type: 'string', default: 'parsec,mosquitto,aedes' },
    deliveries: { type: 'string', default: '30000' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '3000' },
    /** Rounds of the paired connect storm (`moderation`): each round one storm per server. */
    rounds: { type: 'string', default: '40' },
    /** How the paired storm's two storms of a round run: `together` (at once, each from half the load workers) or `turns` (one after the other). */
    'storm-order': { type: 'string', default: 'together' },
    /** Instruments the paired connect storm leaves out of its "on" server (`moderation`), e.g. `activity,ip_connect`. */
    without: { type: 'string' },
    'memory-steps': { type: 'string', default: '10000,18000' },
    duration: { type: 'string', default: '5000' },
    workers: { type: 'string', default: '3' },
    subscribers: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
    /** Capacity scenario: connections per node (two nodes), publications/s, idle seconds. */
    'capacity-per-node': { type: 'string', default: '17500' },
    'capacity-rate': { type: 'string', default: '5000' },
    'capacity-idle': { type: 'string', default: '26' },
    /** Writes a CPU profile of every server under test into this directory. */
    profile: { type: 'string' },
    /** µs between the profile's samples (finer shows small costs, and costs more itself). */
    'profile-interval': { type: 'string', default: '1000' },
  },
});

function choose<T extends string>(list: string, allowed: readonly T[], what: string): T[] {
  if (list === 'all') return [...allowed];
  return list.split(',').map((s) => {
    if (!(allowed as readonly string[]).includes(s)) throw new Error(`unknown ${what} "${s}" (one of: ${allowed.join(', ')})`);
    return s as T;
  });
}

const numbers = (s: string): number[] => s.split(',').map(Number);

/** `1000,5000,1000@200` → subscriber counts, each with its publish rate when given. */
function parseSizes(list: string): { subscribers: number; rate?: number }[] {
  return list.split(',').map((s) => {
    const [subscribers, rate] = s.split('@').map(Number);
    return { subscribers: subscribers!, rate };
  });
}

const BROKERS: readonly MqttBroker[] = ['parsec', 'mosquitto', 'aedes'];

/** `value` as a ratio to the same figure of Mosquitto's and aedes' rows (matched by `same`). */
function brokerRatios<R extends { server: string }>(rows: R[], row: R, value: (r: R) => number, same: (a: R, b: R) => boolean = () => true): string[] {
  return ['Mosquitto', 'aedes'].map((name) => {
    const b = rows.find((r) => r.server.startsWith(name) && same(r, row));
    return b && value(b) > 0 ? `${(value(row) / value(b)).toFixed(2)}×` : 'n/a';
  });
}

async function main(): Promise<void> {
  const scenarios = values.scenario === 'all' ? SCENARIOS.filter((s) => !SEPARATE.includes(s)) : choose<Scenario>(values.scenario!, SCENARIOS, 'scenario');
  const kinds = choose<TargetKind>(values.servers!, ALL_TARGET_KINDS, 'server');
  pinProcess(process.pid, LOAD_CORE);
  if (values.profile) setServerNodeFlags(['--cpu-prof', `--cpu-prof-dir=${values.profile}`, `--cpu-prof-interval=${Number(values['profile-interval'])}`]);
  const started = performance.now();
  console.log(`# ${new Date().toISOString()}: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, pinned: ${canPin}`);
  console.log(`# ${process.argv.slice(2).join(' ') || '(defaults)'}`);
  const pool = LoadPool.start(Number(values.workers));
  try {
    for (const s of scenarios) await runScenario(s, pool, kinds);
  } finally {
    pool.stop();
  }
  console.log(`\n# done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

async function runScenario(scenario: Scenario, pool: LoadPool, kinds: TargetKind[]): Promise<void> {
  const seconds = Number(values.seconds);
  switch (scenario) {
    case 'fanout': {
      const sizes = parseSizes(values.sizes!);
      const rows = await runBroadcast(pool, { sizes, deliveries: Number(values.deliveries), seconds, kinds });
      const perCpu = (r: (typeof rows)[number]): number => r.perCpuSecond;
      const p99 = (r: (typeof rows)[number]): number => r.p99;
      const sameSize = (a: (typeof rows)[number], b: (typeof rows)[number]): boolean => a.subscribers === b.subscribers && a.rate === b.rate;
      console.log('\n## Fan-out: one channel\n');
      console.log(
        table(
          ['server', 'subscribers', 'publishes/s', 'delivered', 'lost', 'delivered/s', 'delivered per server CPU s', 'vs ws naive', 'vs ws pre-framed', 'p50 ms', 'p95 ms', 'p99 ms', 'p99 vs ws naive'],
          rows.map((r) => [r.server, fmt(r.subscribers), fmt(r.rate), fmt(r.delivered), fmt(r.lost), fmt(r.deliveredPerSecond), fmt(r.perCpuSecond), ...ratios(rows, r, perCpu, sameSize), ms(r.p50), ms(r.p95), ms(r.p99), ratios(rows, r, p99, sameSize)[0]]),
        ),
      );
      return;
    }
    case 'mqtt': {
      const rows = await runMqttFanout(pool, { sizes: parseSizes(values['mqtt-sizes']!), deliveries: Number(values.deliveries), seconds, kinds: choose<MqttBroker>(values.brokers!, BROKERS, 'broker') });
      const same = (a: (typeof rows)[number], b: (typeof rows)[number]): boolean => a.subscribers === b.subscribers && a.rate === b.rate;
      console.log('\n## MQTT fan-out: QoS 0 subscribers of one topic, one MQTT publisher\n');
      console.log(
        table(
          ['server', 'subscribers', 'publishes/s', 'delivered', 'lost', 'delivered/s', 'delivered per server CPU s', 'vs Mosquitto', 'vs aedes', 'p50 ms', 'p99 ms'],
          rows.map((r) => [r.server, fmt(r.subscribers), fmt(r.rate), fmt(r.delivered), fmt(r.lost), fmt(r.deliveredPerSecond), fmt(r.perCpuSecond), ...brokerRatios(rows, r, (x) => x.perCpuSecond, same), ms(r.p50), ms(r.p99)]),
        ),
      );
      return;
    }
    case 'mqtt-connect': {
      const rows = await runMqttConnect(pool, { connections: Number(values.connections), concurrency: 16, kinds: choose<MqttBroker>(values.brokers!, BROKERS, 'broker') });
      console.log('\n## MQTT connect rate: CONNECT + SUBSCRIBE, dropped at the SUBACK\n');
      console.log(
        table(
          ['server', 'connections', 'connects/s', 'server CPU ms per connect', 'connects per server CPU s', 'vs Mosquitto', 'vs aedes'],
          rows.map((r) => [r.server, fmt(r.connections), fmt(r.perSecond), ((r.serverCpuSeconds / r.connections) * 1000).toFixed(2), fmt(r.perCpuSecond), ...brokerRatios(rows, r, (x) => x.perCpuSecond)]),
        ),
      );
      return;
    }
    case 'uni': {
      const rows = await runUniFanout(pool, { subscribers: Number(values.subscribers), rate: Number(values.rate), seconds });
      console.log(`\n## Fan-out: WebSocket against uni_websocket, ${fmt(Number(values.subscribers))} subscribers, one channel\n`);
      console.log(
        table(
          ['transport', 'delivered', 'lost', 'delivered/s', 'delivered per server CPU s', 'p50 ms', 'p99 ms'],
          rows.map((r) => [r.transport, fmt(r.delivered), fmt(r.lost), fmt(r.deliveredPerSecond), fmt(r.perCpuSecond), ms(r.p50), ms(r.p99)]),
        ),
      );
      return;
    }
    case 'compression': {
      const rows = await runCompression(pool, { subscribers: Number(values.subscribers), rate: Number(values.rate), seconds });
      console.log(`\n## WebSocket compression: ${fmt(Number(values.subscribers))} subscribers offering permessage-deflate, one channel\n`);
      console.log(
        table(
          ['setup', 'payload bytes', 'delivered', 'lost', 'delivered/s', 'server CPU µs per delivery', 'delivered per server CPU s', 'bytes written per delivery', 'p50 ms', 'p99 ms'],
          rows.map((r) => [
            r.setup,
            fmt(r.payloadBytes),
            fmt(r.delivered),
            fmt(r.lost),
            fmt(r.deliveredPerSecond),
            ((r.serverCpuSeconds * 1e6) / Math.max(1, r.delivered)).toFixed(1),
            fmt(r.perCpuSecond),
            fmt(r.wireBytesPerDelivery),
            ms(r.p50),
            ms(r.p99),
          ]),
        ),
      );
      return;
    }
    case 'channels': {
      const rows = await runChannels(pool, { clients: 10_000, personalRate: 1000, sharedRate: 2, seconds, kinds });
      console.log('\n## Many channels: 10k clients, each on its own channel and on one shared channel\n');
      console.log(
        table(
          ['server', 'publishes', 'delivered', 'lost', 'delivered/s', 'delivered per server CPU s', 'vs ws naive', 'vs ws pre-framed', 'p50 ms', 'p95 ms', 'p99 ms'],
          rows.map((r) => [r.server, fmt(r.published), fmt(r.delivered), fmt(r.lost), fmt(r.deliveredPerSecond), fmt(r.perCpuSecond), ...ratios(rows, r, (x) => x.perCpuSecond), ms(r.p50), ms(r.p95), ms(r.p99)]),
        ),
      );
      return;
    }
    case 'connect': {
      const rows = await runStorm(pool, { connections: Number(values.connections), concurrency: 16, kinds });
      console.log('\n## Connect storm: connect + subscribe, dropped once subscribed\n');
      // `vs first`: against the first server named, for variants of one server (e.g. parsec-bare,parsec-moderation).
      const first = rows[0]!;
      console.log(
        table(
          ['server', 'connections', 'failed', 'connects/s', 'server CPU ms per connect', 'connects per server CPU s', 'vs ws naive', 'vs ws pre-framed', `vs ${first.server}`],
          rows.map((r) => [
            r.server,
            fmt(r.connections),
            fmt(r.failed),
            fmt(r.perSecond),
            ((r.serverCpuSeconds / r.connections) * 1000).toFixed(2),
            fmt(r.perCpuSecond),
            ...ratios(rows, r, (x) => x.perCpuSecond),
            `${(r.perCpuSecond / first.perCpuSecond).toFixed(2)}×`,
          ]),
        ),
      );
      return;
    }
    case 'memory': {
      const rows = await runMemory(pool, { steps: numbers(values['memory-steps']!), kinds });
      const kb = (b: number): string => (b / 1024).toFixed(2);
      console.log('\n## Idle memory: server RSS per connection (each client subscribed to a channel of its own)\n');
      const stepCols = rows[0]?.steps.map((s) => `KB/conn at ${fmt(s.connections)}`) ?? [];
      console.log(
        table(
          ['server', 'RSS at start MB', ...stepCols, 'vs ws naive (first step)', 'vs ws pre-framed', 'slope KB/conn', 'projected RSS at 100k MB', 'at 1M GB'],
          rows.map((r) => [
            r.server,
            (r.baseBytes / 2 ** 20).toFixed(0),
            ...r.steps.map((s) => kb(s.perConnection)),
            ...ratios(rows, r, (x) => x.steps[0]!.perConnection),
            kb(r.slope),
            ((r.baseBytes + r.slope * 100_000) / 2 ** 20).toFixed(0),
            ((r.baseBytes + r.slope * 1_000_000) / 2 ** 30).toFixed(1),
          ]),
        ),
      );
      return;
    }
    case 'api': {
      const rows = await runApi({ concurrency: 32, durationMs: Number(values.duration), kinds });
      const sameCall = (a: (typeof rows)[number], b: (typeof rows)[number]): boolean => a.call === b.call;
      console.log('\n## Publish API: 32 requests in flight, no subscribers\n');
      console.log(
        table(
          ['server', 'call', 'requests/s', 'publications/s', 'publications per server CPU s', 'vs ws naive', 'vs ws pre-framed'],
          rows.map((r) => [r.server, r.call, fmt(r.requestsPerSecond), fmt(r.publicationsPerSecond), fmt(r.publications / r.serverCpuSeconds), ...ratios(rows, r, (x) => x.publications / x.serverCpuSeconds, sameCall)]),
        ),
      );
      return;
    }
    case 'jwt': {
      const rows = await runConnect(pool, { connections: Number(values.connections), concurrency: 16 });
      const base = rows[0]!.serverCpuSeconds / rows[0]!.connections;
      console.log('\n## Parsec connect storm by token algorithm\n');
      console.log(
        table(
          ['token', 'connections', 'connects/s', 'server CPU ms per connect', 'CPU vs HS256'],
          rows.map((r) => [r.kind, fmt(r.connections), fmt(r.perSecond), ((r.serverCpuSeconds / r.connections) * 1000).toFixed(2), (r.serverCpuSeconds / r.connections / base).toFixed(2)]),
        ),
      );
      return;
    }
    case 'rpc': {
      const rows = await runRpcProxy({ clients: 32, durationMs: Number(values.duration) });
      console.log('\n## RPC through the HTTP proxy against direct backend calls\n');
      console.log(table(['RPC (32 clients, HTTP backend)', 'calls/s', 'Parsec CPU ms per call'], rows.map((r) => [r.path, fmt(r.callsPerSecond), r.serverCpuMsPerCall?.toFixed(3) ?? '-'])));
      return;
    }
    case 'map': {
      const rows = await runMapFanout(pool, { subscribers: Number(values.subscribers), rate: Number(values.rate), seconds });
      console.log(`\n## Map fan-out next to stream fan-out: ${fmt(Number(values.subscribers))} subscribers, one channel, same server\n`);
      console.log(
        table(
          ['setup', 'subscribers', 'published', 'delivered/s', 'lost', 'p50 ms', 'p99 ms', 'delivered per server CPU s', 'vs stream'],
          rows.map((r) => [r.setup, fmt(r.subscribers), fmt(r.published), fmt(r.deliveredPerSecond), fmt(r.lost), ms(r.p50), ms(r.p99), fmt(r.perCpuSecond), (r.perCpuSecond / rows[0]!.perCpuSecond).toFixed(2)]),
        ),
      );
      return;
    }
    case 'poll': {
      const r = await runSharedPoll({ connections: 1000, keysPerConnection: 10, durationMs: Number(values.duration) });
      console.log('\n## Shared poll: backend calls at 10k tracked keys over 1k connections\n');
      console.log(
        table(
          ['connections', 'keys', 'backend calls/s', 'keys polled/s', 'updates pushed/s', 'Parsec CPU ms/s'],
          [[fmt(r.connections), fmt(r.keys), r.backendCallsPerSecond.toFixed(1), fmt(r.keysPolledPerSecond), fmt(r.updatesPerSecond), fmt(r.serverCpuMsPerSecond)]],
        ),
      );
      return;
    }
    case 'tokens': {
      const rows = await runTokenBroker(pool, { concurrency: 32, durationMs: Number(values.duration), connections: Number(values.connections), revoked: 10_000, redisUrl: values.redis! });
      console.log('\n## Token broker\n');
      console.log(
        table(
          ['token broker', 'count', 'per second', 'tokens signed/s', 'server CPU ms per op'],
          rows.map((r) => [r.kind, fmt(r.count), fmt(r.perSecond), fmt(r.tokensPerSecond), r.serverCpuMsPerOp.toFixed(2)]),
        ),
      );
      return;
    }
    case 'labels': {
      console.log('\n## Label index against a scan\n');
      console.log(
        table(
          ['filter', 'connections', 'matched', 'index µs', 'scan µs', 'scan / index', 'index heap bytes', 'scan heap bytes'],
          runLabelIndex().map((r) => [r.filter, fmt(r.connections), fmt(r.matched), fmt(r.indexUs), fmt(r.scanUs), (r.scanUs / r.indexUs).toFixed(1), fmt(r.indexBytes), fmt(r.scanBytes)]),
        ),
      );
      return;
    }
    case 'moderation': {
      const rows = await runModeration(pool, { subscribers: Number(values.subscribers), rate: Number(values.rate), seconds, blocked: BLOCKED_USERS });
      console.log('\n## Operator instruments: fan-out with blocks, rate limits and activity off, then on\n');
      console.log(
        table(
          ['setup', 'subscribers', 'published', 'delivered/s', 'lost', 'p50 ms', 'p99 ms', 'delivered per server CPU s', 'vs off'],
          rows.map((r) => [r.setup, fmt(r.subscribers), fmt(r.published), fmt(r.deliveredPerSecond), fmt(r.lost), ms(r.p50), ms(r.p99), fmt(r.perCpuSecond), (r.perCpuSecond / rows[0]!.perCpuSecond).toFixed(2)]),
        ),
      );
      const without = values.without ? choose<Instrument>(values.without, INSTRUMENTS, 'instrument') : [];
      const [order] = choose<StormOrder>(values['storm-order']!, ['together', 'turns'], 'storm order');
      const rounds = await runModerationConnect(pool, { connections: Number(values.connections), rounds: Number(values.rounds), concurrency: 16, blocked: BLOCKED_USERS, without, order: order! });
      const how = order === 'together' ? 'stormed at the same moment, the load workers swapped every round' : 'stormed in turn, the order swapped every round';
      console.log(`\n## Operator instruments: connect storm, off and on${without.length > 0 ? ` (without ${without.join(', ')})` : ''} side by side, ${how}\n`);
      const perCpu = (s: StormShare): number => s.connections / Math.max(s.cpuSeconds, 0.01);
      const perUserCpu = (s: StormShare): number => s.connections / Math.max(s.userCpuSeconds, 0.01);
      const sum = (side: 'off' | 'on'): StormShare =>
        rounds.reduce((t, r) => ({ connections: t.connections + r[side].connections, cpuSeconds: t.cpuSeconds + r[side].cpuSeconds, userCpuSeconds: t.userCpuSeconds + r[side].userCpuSeconds }), {
          connections: 0,
          cpuSeconds: 0,
          userCpuSeconds: 0,
        });
      const total = { round: 0, first: '', off: sum('off'), on: sum('on') };
      const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      console.log(
        table(
          ['round', 'first', 'connections each', 'off: connects per server CPU s', 'on: connects per server CPU s', 'on vs off', 'off: per user-space CPU s', 'on: per user-space CPU s', 'on vs off (user space)'],
          [...rounds, total].map((r) => [
            r.round === 0 ? 'all' : String(r.round),
            r.first,
            fmt(r.off.connections / (r.round === 0 ? rounds.length : 1)),
            fmt(perCpu(r.off)),
            fmt(perCpu(r.on)),
            `${(perCpu(r.on) / perCpu(r.off)).toFixed(2)}×`,
            fmt(perUserCpu(r.off)),
            fmt(perUserCpu(r.on)),
            `${(perUserCpu(r.on) / perUserCpu(r.off)).toFixed(2)}×`,
          ]),
        ),
      );
      // A round the machine stalled in moves the sum; the median round does not.
      const medianAll = median(rounds.map((r) => perCpu(r.on) / perCpu(r.off)));
      const medianUser = median(rounds.map((r) => perUserCpu(r.on) / perUserCpu(r.off)));
      console.log(`\nMedian round: on vs off ${medianAll.toFixed(2)}× (all CPU), ${medianUser.toFixed(2)}× (user space).`);
      return;
    }
    case 'capacity': {
      const r = await runCapacity(pool, {
        perNode: Number(values['capacity-per-node']),
        rate: Number(values['capacity-rate']),
        seconds,
        idleSeconds: Number(values['capacity-idle']),
        redisUrl: values.redis!,
      });
      printCapacity(r);
      return;
    }
    case 'engine': {
      const rows = await runFanout(pool, { subscribers: Number(values.subscribers), rate: Number(values.rate), seconds, redisUrl: values.redis!, natsUrl: values.nats! });
      console.log('\n## Parsec fan-out through the engine: 1 node in memory against 2 nodes on Redis and 2 nodes with NATS as the broker\n');
      console.log(
        table(
          ['setup', 'subscribers', 'published', 'delivered/s', 'lost', 'p50 ms', 'p99 ms', 'delivered per server CPU s', 'vs 1 node'],
          rows.map((r) => [r.setup, fmt(r.subscribers), fmt(r.published), fmt(r.deliveredPerSecond), fmt(r.lost), ms(r.p50), ms(r.p99), fmt(r.perCpuSecond), (r.perCpuSecond / rows[0]!.perCpuSecond).toFixed(2)]),
        ),
      );
      return;
    }
  }
}

/** The measured figures and what they project to at 100k and 1M connections. */
function printCapacity(r: CapacityResult): void {
  const perNode = r.connections / r.nodes;
  const kb = r.loadedRss.reduce((s, x, i) => s + (x - r.baseRss[i]!) / perNode, 0) / r.nodes / 1024;
  const baseMb = r.baseRss.reduce((s, x) => s + x, 0) / r.nodes / 2 ** 20;
  const cpuPerDelivery = r.delivery.serverCpuSeconds / Math.max(r.delivery.delivered, 1);
  const redisPerPublish = r.redisCpuSeconds / Math.max(r.delivery.published * 50, 1);
  console.log(`\n## Capacity: ${r.nodes} nodes on Redis, ${fmt(r.connections)} connections, each on a channel of its own\n`);
  console.log(
    table(
      ['figure', 'value'],
      [
        ['RSS per node without clients (after GC)', r.baseRss.map((b) => `${(b / 2 ** 20).toFixed(1)} MB`).join(', ')],
        ['RSS per idle connection (after GC)', `${kb.toFixed(2)} KB`],
        ['server CPU per idle connection (keepalive only)', `${(r.idleCpuPerConnectionSecond * 1e6).toFixed(2)} µs per s`],
        [`publications/s offered (batches of 50, to node 1)`, fmt(r.rate)],
        ['delivered / lost', `${fmt(r.delivery.delivered)} / ${fmt(r.delivery.lost)}`],
        ['publish → delivery p50 / p99', `${ms(r.delivery.p50)} / ${ms(r.delivery.p99)} ms`],
        ['server CPU per delivery (both nodes, API included)', `${(cpuPerDelivery * 1e6).toFixed(1)} µs`],
        ['Redis CPU per publication', `${(redisPerPublish * 1e6).toFixed(1)} µs`],
      ],
    ),
  );
  const rows = [100_000, 1_000_000].flatMap((n) => {
    const processes = Math.ceil(n / 18_000);
    const gb = (n * kb * 1024 + processes * baseMb * 2 ** 20) / 2 ** 30;
    const idleCores = n * r.idleCpuPerConnectionSecond;
    const busyCores = n * cpuPerDelivery;
    const redisCores = n * redisPerPublish;
    return [
      [fmt(n), 'idle', fmt(processes), gb.toFixed(1), idleCores.toFixed(2), '-'],
      [fmt(n), '1 publication/s each', fmt(processes), gb.toFixed(1), (idleCores + busyCores).toFixed(1), redisCores.toFixed(1)],
    ];
  });
  console.log('\nProjected (one process per 18,000 connections, the open-file cap; CPU scales linearly):\n');
  console.log(table(['connections', 'load', 'processes', 'RSS GB', 'node cores', 'Redis cores'], rows));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

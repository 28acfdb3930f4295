import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runApi } from './scenarios/api.js';
import { runConnect } from './scenarios/connect.js';
import { runFanout } from './scenarios/fanout.js';
import { runLabelIndex } from './scenarios/label-index.js';
import { runRpcProxy } from './scenarios/rpc-proxy.js';
import { runTokenBroker } from './scenarios/token-broker.js';
import { canPin } from './server-process.js';

/**
 * Benchmark runner. Loopback only, bounded in count and time. The server runs in its
 * own process pinned to core 0 (when taskset exists); run this process on core 1:
 *   taskset -c 1 npm run bench -- --scenario all
 */
const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    connections: { type: 'string', default: '3000' },
    duration: { type: 'string', default: '5000' },
    subscribers: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const scenario = values.scenario!;
  console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), server pinned: ${canPin}`);
  if (scenario === 'connect' || scenario === 'all') {
    const rows = await runConnect({ connections: Number(values.connections), concurrency: 50 });
    const base = rows[0]!.perSecond;
    console.log('\n| token | connections | connects/s | vs HS256 | server CPU ms per connect |\n|---|---|---|---|---|');
    for (const r of rows) {
      console.log(`| ${r.kind} | ${r.connections} | ${fmt(r.perSecond)} | ${(r.perSecond / base).toFixed(2)} | ${((r.serverCpuSeconds / r.connections) * 1000).toFixed(2)} |`);
    }
  }
  if (scenario === 'fanout' || scenario === 'all') {
    const rows = await runFanout({ subscribers: Number(values.subscribers), rate: Number(values.rate), seconds: 5, redisUrl: values.redis! });
    const base = rows[0]!.deliveredPerSecond;
    console.log('\n| setup | subscribers | published | delivered/s | vs 1 node | lost | p50 ms | p99 ms | delivered per server CPU s |\n|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.setup} | ${r.subscribers} | ${r.published} | ${fmt(r.deliveredPerSecond)} | ${(r.deliveredPerSecond / base).toFixed(2)} | ${r.lost} | ${r.p50} | ${r.p99} | ${fmt(r.delivered / r.serverCpuSeconds)} |`,
      );
    }
  }
  if (scenario === 'labels' || scenario === 'all') {
    console.log('\n| filter | connections | matched | index µs | scan µs | scan / index | index heap bytes | scan heap bytes |\n|---|---|---|---|---|---|---|---|');
    for (const r of runLabelIndex()) {
      console.log(`| ${r.filter} | ${fmt(r.connections)} | ${fmt(r.matched)} | ${fmt(r.indexUs)} | ${fmt(r.scanUs)} | ${(r.scanUs / r.indexUs).toFixed(1)} | ${fmt(r.indexBytes)} | ${fmt(r.scanBytes)} |`);
    }
  }
  if (scenario === 'api' || scenario === 'all') {
    const rows = await runApi({ concurrency: 32, durationMs: Number(values.duration) });
    console.log('\n| API call | requests/s | publications/s | publications per server CPU s |\n|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.kind} | ${fmt(r.requestsPerSecond)} | ${fmt(r.publicationsPerSecond)} | ${fmt(r.publications / r.serverCpuSeconds)} |`);
  }
  if (scenario === 'rpc' || scenario === 'all') {
    const rows = await runRpcProxy({ clients: 32, durationMs: Number(values.duration) });
    console.log('\n| RPC (32 clients, HTTP backend) | calls/s | Parsec CPU ms per call |\n|---|---|---|');
    for (const r of rows) console.log(`| ${r.path} | ${fmt(r.callsPerSecond)} | ${r.serverCpuMsPerCall?.toFixed(3) ?? '-'} |`);
  }
  if (scenario === 'tokens' || scenario === 'all') {
    const rows = await runTokenBroker({ concurrency: 32, durationMs: Number(values.duration), connections: Number(values.connections), revoked: 10_000, redisUrl: values.redis! });
    console.log('\n| token broker | count | per second | tokens signed/s | server CPU ms per op |\n|---|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.kind} | ${r.count} | ${fmt(r.perSecond)} | ${fmt(r.tokensPerSecond)} | ${r.serverCpuMsPerOp.toFixed(2)} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

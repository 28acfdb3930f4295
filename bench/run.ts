import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runApi } from './scenarios/api.js';
import { runConnect } from './scenarios/connect.js';
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
  if (scenario === 'api' || scenario === 'all') {
    const rows = await runApi({ concurrency: 32, durationMs: Number(values.duration) });
    console.log('\n| API call | requests/s | publications/s | publications per server CPU s |\n|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.kind} | ${fmt(r.requestsPerSecond)} | ${fmt(r.publicationsPerSecond)} | ${fmt(r.publications / r.serverCpuSeconds)} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

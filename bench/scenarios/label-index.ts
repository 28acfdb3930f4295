import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compileFilter, matches, type CompiledFilter, type FilterNode } from '../../src/filter/index.js';
import { Hub, type HubClient } from '../../src/node/hub.js';

/**
 * Selecting 1% of 100k idle connections by label, in process: through the hub's label
 * index against a scan of every connection, as fleet operations and listings select. The
 * scan evaluates the filter on every connection; the index path evaluates on its candidates
 * only what the index did not prove (nothing, for these filters). Both select the same
 * connections (checked); what differs is how many they look at and evaluate.
 */
export interface LabelIndexRow {
  filter: string;
  connections: number;
  matched: number;
  indexUs: number;
  scanUs: number;
  indexBytes: number;
  scanBytes: number;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function fleet(n: number): Hub {
  const hub = new Hub();
  for (let i = 0; i < n; i++) {
    const client: HubClient = {
      id: `c${i}`,
      user: `u${i % 50_000}`,
      labels: { region: `r${i % 10}`, tier: `t${Math.floor(i / 10) % 10}`, cohort: `k${i % 100}`, app_version: `1.${i % 7}.0` },
    };
    hub.add(client);
  }
  return hub;
}

function measure(select: () => number, rounds: number): { us: number; bytes: number; matched: number } {
  let matched = select();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    matched = select();
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  select();
  const bytes = Math.max(0, process.memoryUsage().heapUsed - before);
  times.sort((a, b) => a - b);
  return { us: times[Math.floor(times.length / 2)]!, bytes, matched };
}

export function runLabelIndex(connections = 100_000, rounds = 30): LabelIndexRow[] {
  const hub = fleet(connections);
  const filters: Record<string, FilterNode> = {
    'cohort eq k42 (1 leaf, 1%)': { key: 'cohort', cmp: 'eq', val: 'k42' },
    'region eq r3 and tier eq t7 (1%)': { op: 'and', nodes: [{ key: 'region', cmp: 'eq', val: 'r3' }, { key: 'tier', cmp: 'eq', val: 't7' }] },
  };
  return Object.entries(filters).map(([name, node]) => {
    const f = compileFilter(node);
    const pick = (pool: Iterable<HubClient>, rest: CompiledFilter | undefined): number => {
      const out: HubClient[] = [];
      for (const c of pool) if (rest === undefined || matches(rest, c.labels)) out.push(c);
      return out.length;
    };
    const index = measure(() => {
      const { clients, rest } = hub.labelSelection(f);
      return pick(clients, rest);
    }, rounds);
    const scan = measure(() => pick(hub.allClients(), f), rounds);
    if (index.matched !== scan.matched) throw new Error(`index and scan disagree on ${name}: ${index.matched} vs ${scan.matched}`);
    return { filter: name, connections, matched: index.matched, indexUs: index.us, scanUs: scan.us, indexBytes: index.bytes, scanBytes: scan.bytes };
  });
}

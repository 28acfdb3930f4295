import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { defaultConfig } from '../../src/config/index.js';
import { startBackend } from '../helpers/proxy-backend.js';
import { sdk, type Sdk } from '../helpers/sdk.js';
import { startServer, testConfig } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';

/**
 * `client.concurrency`: commands of one connection that may wait at once. An RPC the backend
 * holds back then does not hold back the ones sent after it; at most that many wait.
 */
async function setup(t: TestContext, concurrency: number): Promise<{ c: Sdk; release: () => void; arrived: () => string[] }> {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const seen: string[] = [];
  const backend = await startBackend('http', {
    rpc: async (b) => {
      seen.push(b.method as string);
      if ((b.method as string).startsWith('slow')) await gate;
      return { result: { data: { method: b.method } } };
    },
  });
  t.after(() => backend.close());
  const server = await startServer(
    testConfig((cfg) => {
      cfg.client.concurrency = concurrency;
      cfg.rpc.proxy = { ...structuredClone(defaultConfig().rpc.proxy), endpoint: backend.endpoint('rpc'), timeout: 10_000 };
      cfg.rpc.withoutNamespace = { proxyEnabled: true, proxyName: 'default' };
    }),
  );
  t.after(() => server.close());
  const c = sdk('json', server.url, { token: await connToken('alice') });
  t.after(() => c.disconnect());
  c.connect();
  await c.ready(3000);
  t.after(() => open());
  return { c, release: open, arrived: () => seen };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('client.concurrency 2: a fast RPC is answered while a slow one waits; a third waits for a place', async (t) => {
  const { c, release, arrived } = await setup(t, 2);
  const order: string[] = [];
  const slow = c.rpc('slow-a', {}).then(() => order.push('slow-a'));
  const fast = c.rpc('fast', {}).then(() => order.push('fast'));
  await fast;
  assert.deepEqual(order, ['fast'], 'the fast reply came first');
  const slow2 = c.rpc('slow-b', {}).then(() => order.push('slow-b'));
  const fast2 = c.rpc('fast-2', {}).then(() => order.push('fast-2'));
  await settle(300);
  // slow-a and slow-b hold both places: fast-2 has not reached the backend.
  assert.deepEqual(arrived(), ['slow-a', 'fast', 'slow-b']);
  release();
  await Promise.all([slow, slow2, fast2]);
  assert.deepEqual(order.slice(0, 1), ['fast']);
  assert.deepEqual(arrived(), ['slow-a', 'fast', 'slow-b', 'fast-2']);
});

it('without client.concurrency commands run one at a time, replies in order', async (t) => {
  const { c, release, arrived } = await setup(t, 0);
  const order: string[] = [];
  const slow = c.rpc('slow-a', {}).then(() => order.push('slow-a'));
  const fast = c.rpc('fast', {}).then(() => order.push('fast'));
  await settle(300);
  assert.deepEqual(arrived(), ['slow-a'], 'the second waits for the first');
  release();
  await Promise.all([slow, fast]);
  assert.deepEqual(order, ['slow-a', 'fast']);
});

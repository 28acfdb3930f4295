import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { defaultConfig } from '../../src/config/index.js';
import type { Config } from '../../src/config/types.js';
import { startBackend } from '../helpers/proxy-backend.js';
import { codeOf, sdk, type Sdk, type SdkProtocol } from '../helpers/sdk.js';
import { startServer, testConfig } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';

/** `rpc.ping`: a built-in RPC method answered with an empty result, before any proxy. */

async function client(t: TestContext, protocol: SdkProtocol, edit: (c: Config) => void): Promise<Sdk> {
  const server = await startServer(testConfig(edit));
  t.after(() => server.close());
  const c = sdk(protocol, server.url, { token: await connToken('alice') });
  t.after(() => c.disconnect());
  c.connect();
  await c.ready(3000);
  return c;
}

for (const protocol of ['json', 'protobuf'] as const) {
  it(`rpc.ping answers its method without the backend, other methods still reach it (${protocol})`, async (t) => {
    const backend = await startBackend('http', { rpc: (b) => ({ result: { data: { echoed: b.method } } }) });
    // Protobuf clients send bytes: JSON text, as the proxy passes it on.
    const payload = (v: unknown) => (protocol === 'json' ? v : new TextEncoder().encode(JSON.stringify(v)));
    t.after(() => backend.close());
    const c = await client(t, protocol, (cfg) => {
      cfg.rpc.ping = { enabled: true, method: 'health' };
      cfg.rpc.proxy = { ...structuredClone(defaultConfig().rpc.proxy), endpoint: backend.endpoint('rpc') };
      cfg.rpc.withoutNamespace = { proxyEnabled: true, proxyName: 'default' };
    });
    const pong = await c.rpc('health', payload({ any: 1 }));
    assert.ok(pong.data === undefined || pong.data === null || (pong.data as Uint8Array).length === 0, `empty result, got ${JSON.stringify(pong.data)}`);
    assert.equal(backend.calls.length, 0, 'the ping method never reaches the backend');
    await c.rpc('echo', payload({}));
    assert.deepEqual(backend.calls.map((x) => x.body.method), ['echo']);
  });
}

it('rpc.ping without a proxy: "ping" answers, any other method is unknown (104); off, RPC is not available (108)', async (t) => {
  const on = await client(t, 'json', (cfg) => (cfg.rpc.ping = { enabled: true, method: 'ping' }));
  await on.rpc('ping', {});
  assert.equal(await codeOf(on.rpc('other', {})), 104);
  const off = await client(t, 'json', () => undefined);
  assert.equal(await codeOf(off.rpc('ping', {})), 108);
});

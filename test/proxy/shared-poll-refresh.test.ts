import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ClientError, ErrorCode } from '../../src/protocol/index.js';
import { Status, endpointTo, testProxyConfig, type BackendKind, type Handler } from '../helpers/proxy-backend.js';

const defaults = testProxyConfig('');

const text = (b: Uint8Array | undefined): unknown => (b ? JSON.parse(Buffer.from(b).toString('utf8')) : undefined);

const endpointFor = (t: TestContext, kind: BackendKind, handler: Handler, timeout = 2000) =>
  endpointTo(t, kind, 'shared_poll_refresh', { shared_poll_refresh: handler }, {
    timeout,
    http: { ...defaults.http, staticHeaders: { 'x-static': 'yes' } },
    grpc: { ...defaults.grpc, staticMetadata: { 'x-static': 'yes' } },
  });

for (const kind of ['http', 'grpc'] as const) {
  test(`${kind}: the loop's request carries the channel and items, versions only when set`, async (t) => {
    const { backend, endpoint } = await endpointFor(t, kind, () => ({ result: { items: [] } }));
    await endpoint.sharedPollRefresh({ channel: 'poll:votes', items: [{ key: 'a', version: 0 }, { key: 'b', version: 7 }] });
    const call = backend.calls[0]!;
    assert.equal(call.method, 'shared_poll_refresh');
    assert.equal(call.body.channel, 'poll:votes');
    assert.deepEqual(
      (call.body.items as Array<Record<string, unknown>>).map((i) => ({ key: i.key, version: Number(i.version ?? 0) })),
      [
        { key: 'a', version: 0 },
        { key: 'b', version: 7 },
      ],
    );
    if (kind === 'http') assert.equal('version' in (call.body.items as Array<Record<string, unknown>>)[0]!, false);
    // Made for no connection: no client fields, only the proxy's static headers.
    assert.equal(call.body.client, undefined);
    assert.equal(call.headers['x-static'], 'yes');
  });

  test(`${kind}: items come back with data and prev_data as JSON bytes, versions, removals and the epoch`, async (t) => {
    const { endpoint } = await endpointFor(t, kind, () => ({
      result: {
        epoch: 'e1',
        items: [
          { key: 'a', data: { votes: 42 }, version: 5, prev_data: { votes: 41 } },
          { key: 'b', removed: true },
          { key: 'c', data: [1, 'two'] },
        ],
      },
    }));
    const out = await endpoint.sharedPollRefresh({ channel: 'poll:votes', items: [{ key: 'a', version: 0 }] });
    assert.equal(out.epoch, 'e1');
    assert.equal(out.items.length, 3);
    const [a, b, c] = out.items;
    assert.deepEqual(text(a!.data), { votes: 42 });
    assert.deepEqual(text(a!.prevData), { votes: 41 });
    assert.equal(a!.version, 5);
    assert.equal(a!.removed, false);
    assert.equal(b!.removed, true);
    assert.equal(b!.data, undefined);
    assert.deepEqual(text(c!.data), [1, 'two']);
    assert.equal(c!.version, 0);
  });

  test(`${kind}: an empty reply is no items and no epoch`, async (t) => {
    const { endpoint } = await endpointFor(t, kind, () => ({}));
    assert.deepEqual(await endpoint.sharedPollRefresh({ channel: 'c', items: [{ key: 'a', version: 0 }] }), { items: [], epoch: '' });
  });

  test(`${kind}: the backend's error and an unreachable backend reject the call`, async (t) => {
    const { endpoint } = await endpointFor(t, kind, () => ({ error: { code: 1000, message: 'not now' } }));
    await assert.rejects(endpoint.sharedPollRefresh({ channel: 'c', items: [] }), (err: unknown) => err instanceof ClientError && err.code === 1000);
    const failing = await endpointFor(t, kind, () => new Status(503));
    await assert.rejects(failing.endpoint.sharedPollRefresh({ channel: 'c', items: [] }), (err: unknown) => err instanceof ClientError && err.code === ErrorCode.internal);
  });
}

test('http: a reply whose items are not shaped as proxy.proto says is refused', async (t) => {
  const { endpoint } = await endpointFor(t, 'http', () => ({ result: { items: [{ version: 1 }] } }));
  await assert.rejects(endpoint.sharedPollRefresh({ channel: 'c', items: [] }), (err: unknown) => err instanceof ClientError && err.code === ErrorCode.internal);
});

test('http: a backend slower than the timeout fails the call on time', async (t) => {
  const { endpoint } = await endpointFor(t, 'http', () => new Promise((resolve) => setTimeout(() => resolve({ result: {} }), 1500)), 200);
  await assert.rejects(endpoint.sharedPollRefresh({ channel: 'c', items: [] }), (err: unknown) => err instanceof ClientError && err.code === ErrorCode.internal);
});

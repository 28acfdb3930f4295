import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ProxyConfig } from '../../src/config/index.js';
import { ClientError, DisconnectError, ErrorCode } from '../../src/protocol/index.js';
import { endpointTo, testCaller, type BackendKind, type Handler } from '../helpers/proxy-backend.js';

/*
 * The map_publish and map_remove calls on their own, against a real HTTP and gRPC backend:
 * what the request carries, how each result field is read, and what a backend may not say.
 */

const bytes = (v: unknown): Uint8Array => new Uint8Array(Buffer.from(JSON.stringify(v)));
const text = (b: Uint8Array | undefined): unknown => (b ? JSON.parse(Buffer.from(b).toString('utf8')) : undefined);

const caller = testCaller({ protocol: 'protobuf' });

const endpointFor = (t: TestContext, kind: BackendKind, handlers: { map_publish?: Handler; map_remove?: Handler }, edit: Partial<ProxyConfig> = {}) =>
  endpointTo(t, kind, handlers.map_publish ? 'map_publish' : 'map_remove', handlers, { includeConnectionMeta: true, ...edit });

for (const kind of ['http', 'grpc'] as const) {
  test(`${kind}: a map publish request carries the session, channel, key and data`, async (t) => {
    const { backend, endpoint } = await endpointFor(t, kind, { map_publish: () => ({ result: {} }) });
    const out = await endpoint.mapPublish(caller, { channel: 'board:1', key: 'k', data: bytes({ x: 1 }) });
    // An empty result lets the write go ahead as the client asked.
    assert.deepEqual(out, { key: undefined, data: undefined, tags: undefined, keyMode: '', idempotencyKey: undefined, delta: false, version: 0, versionEpoch: undefined });
    const { method, body } = backend.calls[0]!;
    assert.equal(method, 'map_publish');
    assert.deepEqual(
      { ...body, labels: { ...(body.labels as object) } },
      { client: 'c1', transport: 'websocket', protocol: 'protobuf', encoding: 'json', user: 'u1', meta: { tenant: 1 }, labels: { plan: 'pro' }, channel: 'board:1', key: 'k', data: { x: 1 } },
    );
  });

  test(`${kind}: every field of a map publish result is read`, async (t) => {
    const result = { key: 'k2', data: { y: 2 }, tags: { color: 'red' }, key_mode: 'if_exists', idempotency_key: 'i1', delta: true, version: 9, version_epoch: 'e1', score: 5 };
    const { endpoint } = await endpointFor(t, kind, { map_publish: () => ({ result }) });
    const out = await endpoint.mapPublish(caller, { channel: 'board:1', key: 'k', data: bytes({ x: 1 }) });
    assert.deepEqual({ ...out, data: text(out.data), tags: { ...out.tags } }, {
      key: 'k2',
      data: { y: 2 },
      tags: { color: 'red' },
      keyMode: 'if_exists',
      idempotencyKey: 'i1',
      delta: true,
      version: 9,
      versionEpoch: 'e1',
    });
  });

  test(`${kind}: a map remove request carries the key; its result may name another key`, async (t) => {
    const { backend, endpoint } = await endpointFor(t, kind, { map_remove: () => ({ result: { key: 'other', idempotency_key: 'r1', tags: { ignored: 'yes' } } }) });
    const out = await endpoint.mapRemove(caller, { channel: 'board:1', key: 'k' });
    assert.deepEqual(out, { key: 'other', idempotencyKey: 'r1' });
    const { method, body } = backend.calls[0]!;
    assert.equal(method, 'map_remove');
    assert.equal(body.key, 'k');
    assert.equal(body.channel, 'board:1');
    assert.equal(body.user, 'u1');
    assert.equal(body.data, undefined);
  });

  test(`${kind}: the backend's error and disconnect are what the client gets`, async (t) => {
    const { endpoint } = await endpointFor(t, kind, {
      map_publish: (b) => ((b.data as { ban?: boolean }).ban ? { disconnect: { code: 4501, reason: 'banned' } } : { error: { code: 1403, message: 'not yours' } }),
    });
    await assert.rejects(endpoint.mapPublish(caller, { channel: 'c', key: 'k', data: bytes({}) }), (e: ClientError) => e instanceof ClientError && e.code === 1403 && e.message === 'not yours');
    await assert.rejects(endpoint.mapPublish(caller, { channel: 'c', key: 'k', data: bytes({ ban: true }) }), (e: DisconnectError) => e instanceof DisconnectError && e.code === 4501);
  });

  test(`${kind}: a key mode outside proxy.proto's values is the backend's fault: error 100`, async (t) => {
    const { endpoint } = await endpointFor(t, kind, { map_publish: () => ({ result: { key_mode: 'sometimes' } }) });
    await assert.rejects(endpoint.mapPublish(caller, { channel: 'c', key: 'k', data: bytes({}) }), (e: ClientError) => e instanceof ClientError && e.code === ErrorCode.internal);
  });
}

test('binary_encoding: the data goes as b64data and a b64data result replaces it', async (t) => {
  const { backend, endpoint } = await endpointFor(t, 'http', { map_publish: () => ({ result: { b64data: Buffer.from([1, 2, 3]).toString('base64') } }) }, { binaryEncoding: true });
  const out = await endpoint.mapPublish(caller, { channel: 'c', key: 'k', data: new Uint8Array([0xff, 0]) });
  assert.deepEqual([...out.data!], [1, 2, 3]);
  const { body } = backend.calls[0]!;
  assert.equal(body.encoding, 'binary');
  assert.equal(body.b64data, '/wA=');
  assert.equal(body.data, undefined);
});

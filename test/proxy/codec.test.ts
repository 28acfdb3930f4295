import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientError, DisconnectError } from '../../src/protocol/index.js';
import { ProxyCallError, ProxyCallErrorCode } from '../../src/proxy/index.js';
import { decodeJsonReply, encodeJsonRequest } from '../../src/proxy/json-codec.js';
import { settle } from '../../src/proxy/replies.js';
import { wireRequest } from '../../src/proxy/requests.js';
import { testCaller } from '../helpers/proxy-backend.js';

const bytes = (v: unknown): Uint8Array => new Uint8Array(Buffer.from(JSON.stringify(v)));
const text = (b: Uint8Array | undefined): unknown => (b ? JSON.parse(Buffer.from(b).toString('utf8')) : undefined);

const caller = testCaller();

test('HTTP requests embed JSON payloads as they are; binary_encoding sends base64', () => {
  const json = encodeJsonRequest(wireRequest('rpc', caller, { method: 'm', data: bytes({ a: [1, 2] }) }, { binaryEncoding: false, includeConnectionMeta: true }));
  assert.deepEqual(JSON.parse(json), {
    client: 'c1',
    transport: 'websocket',
    protocol: 'json',
    encoding: 'json',
    user: 'u1',
    meta: { tenant: 1 },
    labels: { plan: 'pro' },
    method: 'm',
    data: { a: [1, 2] },
  });
  const binary = JSON.parse(encodeJsonRequest(wireRequest('publish', caller, { channel: 'ch', data: new Uint8Array([0xff, 0]) }, { binaryEncoding: true, includeConnectionMeta: false })));
  assert.equal(binary.encoding, 'binary');
  assert.equal(binary.b64data, '/wA=');
  assert.equal(binary.meta, undefined);
});

test('a non-JSON payload without binary_encoding is refused with a message saying why', () => {
  assert.throws(
    () => encodeJsonRequest(wireRequest('rpc', caller, { method: 'm', data: new Uint8Array([0xff]) }, { binaryEncoding: false, includeConnectionMeta: false })),
    (err: unknown) => err instanceof ProxyCallError && err.code === ProxyCallErrorCode.encoding && /binary_encoding/.test(err.message),
  );
});

test('connect results map every field, payloads as bytes, b64 forms decoded', () => {
  const reply = decodeJsonReply(
    Buffer.from(
      JSON.stringify({
        result: {
          user: 'u',
          expire_at: 1700000000,
          b64info: Buffer.from('{"x":1}').toString('base64'),
          data: { hello: 'world' },
          channels: ['a'],
          subs: { b: { info: { role: 'r' }, override: { presence: { value: true }, join_leave: {} } } },
          meta: { m: 1 },
          labels: { k: 'v' },
        },
      }),
    ),
  );
  const r = settle('connect', reply)!;
  assert.equal(r.user, 'u');
  assert.equal(r.expireAt, 1700000000);
  assert.deepEqual(text(r.info), { x: 1 });
  assert.deepEqual(text(r.data), { hello: 'world' });
  assert.deepEqual(r.channels, ['a']);
  assert.deepEqual(text(r.subs.get('b')!.info), { role: 'r' });
  assert.equal(r.subs.get('b')!.override?.presence, true);
  assert.equal(r.subs.get('b')!.override?.joinLeave, false);
  assert.equal(r.subs.get('b')!.override?.forceRecovery, undefined);
  assert.deepEqual(text(r.meta), { m: 1 });
  assert.deepEqual(r.labels, { k: 'v' });
});

test('error and disconnect replies become the protocol errors the client gets', () => {
  assert.throws(() => settle('rpc', { error: { code: 1001, message: 'no', temporary: true } }), (e: unknown) => e instanceof ClientError && e.code === 1001 && e.temporary);
  assert.throws(() => settle('subscribe', { disconnect: { code: 4501, reason: 'bye' } }), (e: unknown) => e instanceof DisconnectError && e.code === 4501 && e.reason === 'bye');
  assert.equal(settle('rpc', {}), undefined);
});

test('malformed replies name what is wrong', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ result: { expire_at: 'soon' } }, /result\.expire_at/],
    [{ disconnect: { code: 42 } }, /disconnect\.code/],
    [{ result: { b64data: 'not base64!' } }, /expected base64/],
  ];
  for (const [reply, where] of cases) {
    assert.throws(() => settle('connect', reply), (e: unknown) => e instanceof ProxyCallError && e.code === ProxyCallErrorCode.malformed && where.test(e.message));
  }
  assert.throws(() => decodeJsonReply(Buffer.from('[1]')), /not a JSON object/);
  assert.throws(() => decodeJsonReply(Buffer.from('nope')), /not JSON/);
});

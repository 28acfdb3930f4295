import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeChannelMessage, encodeChannelMessage } from '../../src/engine/nats/envelope.js';
import { encodeProtobufPush, FrameDecodeError } from '../../src/protocol/index.js';

it('carries a publication with its payload bytes unchanged', () => {
  const data = Uint8Array.from({ length: 256 }, (_, i) => i);
  const info = { user: 'u1', client: 'c1', connInfo: Buffer.from('{"a":1}'), chanInfo: Buffer.from([0, 1, 2]) };
  const bytes = encodeChannelMessage('news:1', { kind: 'publication', pub: { data, info, tags: { k: 'v' }, time: 1_700_000_000_123, delta: true } });
  const received = decodeChannelMessage(bytes);
  assert.equal(received?.channel, 'news:1');
  const m = received?.msg;
  assert.equal(m?.kind, 'publication');
  if (m?.kind !== 'publication') return;
  assert.deepEqual(Buffer.from(m.pub.data), Buffer.from(data));
  assert.deepEqual(m.pub.tags, { k: 'v' });
  assert.equal(m.pub.time, 1_700_000_000_123);
  assert.equal(m.pub.delta, true);
  assert.equal(m.pub.info?.user, 'u1');
  assert.deepEqual(Buffer.from(m.pub.info!.connInfo!), info.connInfo);
  assert.deepEqual(Buffer.from(m.pub.info!.chanInfo!), info.chanInfo);
});

it('carries join and leave, anonymous users included', () => {
  const join = decodeChannelMessage(encodeChannelMessage('c', { kind: 'join', info: { user: '', client: 'c9' } }));
  assert.deepEqual(join, { channel: 'c', msg: { kind: 'join', info: { user: '', client: 'c9' } } });
  const leave = decodeChannelMessage(encodeChannelMessage('c', { kind: 'leave', info: { user: 'u', client: 'c1' } }));
  assert.deepEqual(leave, { channel: 'c', msg: { kind: 'leave', info: { user: 'u', client: 'c1' } } });
});

it('ignores other pushes and refuses garbage', () => {
  assert.equal(decodeChannelMessage(encodeProtobufPush({ channel: 'c', message: { data: Buffer.from('x') } })), undefined);
  assert.throws(() => decodeChannelMessage(Buffer.from([0x0a, 0xff, 0xff])), FrameDecodeError);
});

import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import { TrackSignatureVerifier, signTrackGrant } from '../../src/auth/index.js';
import { ClientError, ErrorCode } from '../../src/protocol/index.js';
import { ManualClock } from '../helpers/clock.js';

// Written the way application backends (and the SDK's own tests) compute it.
function backendSignature(secret: string, channel: string, keys: string[], user: string, iat: number, exp: number): string {
  const keysHash = createHash('sha256').update(keys.join('\x00')).digest('hex');
  const mac = createHmac('sha256', secret).update(`${iat}\x00${exp}\x00${user}\x00${channel}\x00${keysHash}`).digest('hex');
  return `${iat}:${exp}:${mac}`;
}

const clock = new ManualClock(1_700_000_000_000);
const now = 1_700_000_000;
const keys = { secret: 'current', previousSecret: '', previousValidUntil: 0 };
const code = (c: number) => (err: unknown) => err instanceof ClientError && err.code === c;

test('a backend signature over the keys, user and channel verifies and gives its expiry', () => {
  const v = new TrackSignatureVerifier(keys, clock);
  assert.equal(v.verify(backendSignature('current', 'poll:a', ['k1', 'k2'], '', now, now + 3600), '', 'poll:a', ['k1', 'k2']), now + 3600);
  assert.equal(v.verify(backendSignature('current', 'poll:a', ['k1'], 'alice', now, 0), 'alice', 'poll:a', ['k1']), 0);
  assert.equal(signTrackGrant('current', { issuedAt: now, expireAt: now + 60, user: 'u', channel: 'c', keys: ['x'] }), backendSignature('current', 'c', ['x'], 'u', now, now + 60));
});

test('another key set, order, user, channel or secret is refused with 103', () => {
  const v = new TrackSignatureVerifier(keys, clock);
  const sig = backendSignature('current', 'poll:a', ['k1', 'k2'], 'u', now, now + 60);
  assert.throws(() => v.verify(sig, 'u', 'poll:a', ['k1']), code(ErrorCode.permissionDenied));
  assert.throws(() => v.verify(sig, 'u', 'poll:a', ['k2', 'k1']), code(ErrorCode.permissionDenied));
  assert.throws(() => v.verify(sig, 'v', 'poll:a', ['k1', 'k2']), code(ErrorCode.permissionDenied));
  assert.throws(() => v.verify(sig, 'u', 'poll:b', ['k1', 'k2']), code(ErrorCode.permissionDenied));
  assert.throws(() => v.verify(backendSignature('other', 'poll:a', ['k1', 'k2'], 'u', now, now + 60), 'u', 'poll:a', ['k1', 'k2']), code(ErrorCode.permissionDenied));
  for (const bad of ['', 'garbage', '1:2', `${now}:${now + 60}:zz`, `${now}:${now + 60}:`]) {
    assert.throws(() => v.verify(bad, 'u', 'poll:a', ['k1', 'k2']), code(ErrorCode.permissionDenied), bad);
  }
});

test('colons cannot move between user and channel', () => {
  const v = new TrackSignatureVerifier(keys, clock);
  const sig = backendSignature('current', 'b:c', ['k'], 'a', now, now + 60);
  assert.throws(() => v.verify(sig, 'a:b', 'c', ['k']), code(ErrorCode.permissionDenied));
});

test('past its expiry and the 5 s grace a valid signature gets 109', () => {
  const v = new TrackSignatureVerifier(keys, clock);
  assert.equal(v.verify(backendSignature('current', 'c', ['k'], '', now - 100, now - 5), '', 'c', ['k']), now - 5);
  assert.throws(() => v.verify(backendSignature('current', 'c', ['k'], '', now - 100, now - 6), '', 'c', ['k']), code(ErrorCode.tokenExpired));
  // A forged one is 103 whatever its expiry.
  assert.throws(() => v.verify(backendSignature('other', 'c', ['k'], '', now - 100, now - 60), '', 'c', ['k']), code(ErrorCode.permissionDenied));
});

test('the previous key verifies during a rotation, up to its valid-until for the issue time', () => {
  const v = new TrackSignatureVerifier({ secret: 'new', previousSecret: 'old', previousValidUntil: now - 10 }, clock);
  assert.equal(v.verify(backendSignature('old', 'c', ['k'], '', now - 10, now + 60), '', 'c', ['k']), now + 60);
  assert.throws(() => v.verify(backendSignature('old', 'c', ['k'], '', now - 9, now + 60), '', 'c', ['k']), code(ErrorCode.permissionDenied));
  assert.equal(v.verify(backendSignature('new', 'c', ['k'], '', now, now + 60), '', 'c', ['k']), now + 60);
  const forever = new TrackSignatureVerifier({ secret: 'new', previousSecret: 'old', previousValidUntil: 0 }, clock);
  assert.equal(forever.verify(backendSignature('old', 'c', ['k'], '', now, now + 60), '', 'c', ['k']), now + 60);
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { EngineError } from '../../src/engine/index.js';
import { asClientError, engineFailure } from '../../src/node/engine-errors.js';
import { ClientError } from '../../src/protocol/index.js';

it('maps engine errors to the protocol errors clients and API callers get', () => {
  const notSupported = new EngineError('PARSEC_ENGINE_NOT_SUPPORTED', 'no history here');
  const unavailable = new EngineError('PARSEC_ENGINE_UNAVAILABLE', 'NATS is not connected');
  assert.deepEqual(engineFailure(notSupported), { code: 108, temporary: false });
  assert.deepEqual(engineFailure(unavailable), { code: 100, temporary: true });
  const reply = asClientError(notSupported);
  assert.ok(reply instanceof ClientError);
  assert.deepEqual([reply.code, reply.message, reply.temporary], [108, 'not available', false]);
  const retry = asClientError(unavailable);
  assert.ok(retry instanceof ClientError);
  assert.deepEqual([retry.code, retry.temporary], [100, true]);
  const wildcard = new EngineError('PARSEC_ENGINE_BAD_REQUEST', 'channel "a.*" holds a NATS wildcard character');
  assert.deepEqual(engineFailure(wildcard), { code: 107, temporary: false, detail: 'channel "a.*" holds a NATS wildcard character' });
  const refused = asClientError(wildcard);
  assert.ok(refused instanceof ClientError);
  assert.deepEqual([refused.code, refused.message, refused.temporary], [107, 'bad request', false], "clients get Centrifugo's code and message");
});

it('leaves every other error as it is', () => {
  const other = new Error('boom');
  assert.equal(engineFailure(other), undefined);
  assert.equal(asClientError(other), other);
  const client = new ClientError(103);
  assert.equal(asClientError(client), client);
});

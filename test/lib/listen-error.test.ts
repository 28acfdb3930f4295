import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ListenError } from '../../src/lib/index.js';

const nodeError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

test('a bind failure names the key to change: the port or the address', () => {
  const inUse = ListenError.wrap('http_server', '', 8000, nodeError('EADDRINUSE', 'listen EADDRINUSE: address already in use :::8000'));
  assert.ok(inUse instanceof ListenError);
  assert.equal(inUse.key, 'http_server.port');
  assert.equal(inUse.message, 'http_server.port: cannot listen on *:8000: the port is already in use');
  const foreign = ListenError.wrap('http_server', '::2', 8000, nodeError('EADDRNOTAVAIL', 'listen EADDRNOTAVAIL'));
  assert.ok(foreign instanceof ListenError);
  assert.equal(foreign.message, 'http_server.address: cannot listen on [::2]:8000: the address is not one of this host');
});

test("grpc-js's bind error, which has the errno only in its message, is recognised", () => {
  const err = new Error('No address added out of total 1 resolved errors: [listen EACCES: permission denied 0.0.0.0:80]');
  const wrapped = ListenError.wrap('grpc_api', '0.0.0.0', 80, err);
  assert.ok(wrapped instanceof ListenError);
  assert.equal(wrapped.message, 'grpc_api.port: cannot listen on 0.0.0.0:80: this process may not use the port');
  assert.equal(wrapped.cause, err);
});

test('other failures are returned as they are', () => {
  const tls = new Error('Invalid private key');
  assert.equal(ListenError.wrap('grpc_api', '', 10000, tls), tls);
});

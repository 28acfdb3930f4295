import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProxyCallError, ProxyCallErrorCode } from '../../src/proxy/index.js';
import { Limiter } from '../../src/proxy/limiter.js';

test('calls past the bound wait for a free slot, in order', async () => {
  const limiter = new Limiter(2);
  const never = new AbortController().signal;
  const a = await limiter.acquire(never);
  const b = await limiter.acquire(never);
  assert.equal(limiter.inFlight, 2);
  const order: string[] = [];
  const c = limiter.acquire(never).then((release) => (order.push('c'), release));
  const d = limiter.acquire(never).then((release) => (order.push('d'), release));
  a();
  a(); // releasing twice frees one slot only: c has it, d still waits
  assert.equal(limiter.inFlight, 2);
  const releaseC = await c;
  assert.deepEqual(order, ['c']);
  releaseC();
  (await d)();
  b();
  assert.deepEqual(order, ['c', 'd']);
  assert.equal(limiter.inFlight, 0);
});

test('a caller whose timeout passes while waiting fails with a timeout and leaves the queue', async () => {
  const limiter = new Limiter(1);
  const release = await limiter.acquire(new AbortController().signal);
  const timeout = new AbortController();
  const waiting = limiter.acquire(timeout.signal);
  timeout.abort(); // while it waits behind the first caller
  assert.equal(limiter.inFlight, 1);
  await assert.rejects(waiting, (err: unknown) => err instanceof ProxyCallError && err.code === ProxyCallErrorCode.timeout);
  release();
  assert.equal(limiter.inFlight, 0);
  const next = await limiter.acquire(new AbortController().signal);
  assert.equal(limiter.inFlight, 1);
  next();
});

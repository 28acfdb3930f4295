import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientAddress } from '../../src/lib/index.js';

describe('client address behind trusted proxies', () => {
  it('believes X-Forwarded-For only from trusted proxies, taking the right-most untrusted hop', () => {
    const r = new ClientAddress(['10.0.0.0/8', '127.0.0.1']);
    assert.equal(r.of('127.0.0.1', '198.51.100.1, 203.0.113.9'), '203.0.113.9');
    assert.equal(r.of('::ffff:127.0.0.1', '203.0.113.9, 10.1.2.3'), '203.0.113.9');
    assert.equal(r.of('192.0.2.5', '203.0.113.9'), '192.0.2.5');
    assert.equal(r.of('127.0.0.1', undefined), '127.0.0.1');
    assert.equal(new ClientAddress([]).of('127.0.0.1', '203.0.113.9'), '127.0.0.1');
    assert.equal(r.of('127.0.0.1', ['203.0.113.9', 'unknown, 10.0.0.2']), '203.0.113.9');
    assert.equal(r.of('127.0.0.1', '10.0.0.2'), '10.0.0.2');
    assert.equal(new ClientAddress(['2001:db8::/32']).of('2001:db8::1', '2001:db8::7, 2a00::1'), '2a00::1');
  });
});

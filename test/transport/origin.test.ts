import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { it } from 'node:test';
import { OriginCheck } from '../../src/transport/index.js';

const req = (origin: string | undefined, host: string | undefined) => ({ headers: { origin, host } }) as unknown as IncomingMessage;

it('origin check without allowed_origins: same host only, asked again with the same or another pair', () => {
  const check = new OriginCheck([]);
  assert.equal(check.allows(req('https://chat.example.com', 'chat.example.com')), true);
  assert.equal(check.allows(req('https://chat.example.com', 'chat.example.com')), true, 'the remembered answer');
  assert.equal(check.allows(req('https://chat.example.com', 'other.example.com')), false, 'another host is not the remembered pair');
  assert.equal(check.allows(req('https://evil.test', 'chat.example.com')), false);
  assert.equal(check.allows(req('HTTPS://Chat.Example.com:8443', 'chat.example.com:8443')), true);
  assert.equal(check.allows(req('not a url', 'chat.example.com')), false);
  assert.equal(check.allows(req('https://chat.example.com', undefined)), false);
  assert.equal(check.allows(req(undefined, 'chat.example.com')), true, 'no Origin: not a browser');
});

it('origin check with patterns and with "*"', () => {
  const check = new OriginCheck(['https://*.example.com']);
  assert.equal(check.allows(req('https://app.example.com', 'x')), true);
  assert.equal(check.allows(req('https://example.org', 'x')), false);
  assert.equal(new OriginCheck(['*']).allows(req('https://anything.test', 'x')), true);
});

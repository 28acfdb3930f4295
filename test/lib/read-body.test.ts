import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { BodyTooLargeError, readBody } from '../../src/lib/index.js';

/** A stand-in request: readBody only uses the stream and its headers. */
function request(headers: Record<string, string> = {}): PassThrough & { headers: Record<string, string> } {
  return Object.assign(new PassThrough(), { headers });
}

const asRequest = (r: PassThrough): IncomingMessage => r as unknown as IncomingMessage;

describe('readBody', () => {
  it('reads a body within the limit', async () => {
    const req = request();
    const body = readBody(asRequest(req), 10);
    req.end('0123456789');
    assert.equal((await body).toString(), '0123456789');
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    await assert.rejects(readBody(asRequest(request({ 'content-length': '11' })), 10), BodyTooLargeError);
  });

  it('refuses a body that grows past the limit as soon as it does', async () => {
    const req = request();
    const body = readBody(asRequest(req), 10);
    req.write('012345');
    req.write('6789ab');
    await assert.rejects(body, (err: BodyTooLargeError) => err.code === 'PARSEC_BODY_TOO_LARGE' && err.limit === 10);
  });

  it('rejects when the request fails mid-body', async () => {
    const req = request();
    const body = readBody(asRequest(req), 10);
    req.destroy(new Error('aborted'));
    await assert.rejects(body, /aborted/);
  });
});

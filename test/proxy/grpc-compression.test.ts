import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { Metrics } from '../../src/metrics/index.js';
import { ProxyEndpoint } from '../../src/proxy/endpoint.js';
import { transportFor } from '../../src/proxy/registry.js';
import { endpointTo, testCaller, testProxyConfig } from '../helpers/proxy-backend.js';

/*
 * `grpc.compression`: what crosses the wire, seen by a bare HTTP/2 server speaking just
 * enough gRPC to answer (an empty reply), since a gRPC server library inflates messages
 * and drops the encoding headers before a handler sees them.
 */

interface Seen {
  headers: IncomingHttpHeaders;
  /** The message frame: its compressed flag, and its bytes as sent. */
  compressed: boolean;
  message: Buffer;
}

async function wireBackend(t: TestContext): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      // A gRPC message: 1 byte compressed flag, 4 bytes length, the message.
      seen.push({ headers, compressed: body[0] === 1, message: body.subarray(5, 5 + body.readUInt32BE(1)) });
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.alloc(5));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (s) => sessions.add(s));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `grpc://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function endpointWith(t: TestContext, url: string, compression: boolean): ProxyEndpoint {
  const defaults = testProxyConfig(url);
  const cfg = { ...defaults, grpc: { ...defaults.grpc, compression } };
  const endpoint = new ProxyEndpoint('rpc', cfg, transportFor(cfg, 'rpc.proxy'), pino({ level: 'silent' }), new Metrics({ enabled: false, version: 'test' }), 'default');
  t.after(() => endpoint.close());
  return endpoint;
}

const bulky = new Uint8Array(Buffer.from(JSON.stringify({ text: 'parsec '.repeat(2000) })));

test('with grpc.compression each call goes gzip-compressed, and says so', async (t) => {
  const { url, seen } = await wireBackend(t);
  await endpointWith(t, url, true).rpc(testCaller(), { method: 'm', data: bulky });
  const [call] = seen;
  assert.ok(call);
  assert.equal(call.headers['grpc-encoding'], 'gzip');
  assert.equal(call.compressed, true);
  assert.ok(call.message.length < bulky.length / 10, `${call.message.length} bytes on the wire for ${bulky.length} of data`);
  // What arrives inflates to the request, payload included.
  assert.ok(gunzipSync(call.message).includes(Buffer.from(bulky)));
});

test('without it calls go uncompressed', async (t) => {
  const { url, seen } = await wireBackend(t);
  await endpointWith(t, url, false).rpc(testCaller(), { method: 'm', data: bulky });
  const [call] = seen;
  assert.ok(call);
  assert.equal(call.headers['grpc-encoding'], undefined);
  assert.equal(call.compressed, false);
  assert.ok(call.message.includes(Buffer.from(bulky)));
});

test('a gRPC backend answers compressed calls as any other', async (t) => {
  const defaults = testProxyConfig('');
  const { backend, endpoint } = await endpointTo(t, 'grpc', 'rpc', { rpc: (b) => ({ result: { data: b.data } }) }, { grpc: { ...defaults.grpc, compression: true } });
  const out = await endpoint.rpc(testCaller(), { method: 'm', data: bulky });
  assert.deepEqual(Buffer.from(out.data ?? []), Buffer.from(bulky));
  assert.equal(backend.calls.length, 1);
});

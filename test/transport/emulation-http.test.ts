import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { protoPath } from '../../src/protocol/index.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { RawStream } from '../helpers/stream.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const KEY = 'emulation-api-key-0123456789';
const ALLOWED = 'http://app.example';

const root = protobuf.loadSync(protoPath('client.proto'));
const EmulationRequest = root.lookupType('centrifugal.centrifuge.protocol.EmulationRequest');
const Command = root.lookupType('centrifugal.centrifuge.protocol.Command');

/** The HTTP side of SSE, HTTP-streaming and /emulation, request by request. */
describe('emulation endpoints over HTTP', () => {
  let server: TestServer;
  const streams: RawStream[] = [];
  const open = async (opts: Parameters<typeof RawStream.open>[2] = {}, user = 'raw'): Promise<RawStream> => {
    const s = await RawStream.open(server.httpUrl, { token: await connToken(user) }, opts);
    streams.push(s);
    return s;
  };
  const emulate = (body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${server.httpUrl}/emulation`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
  /** A JSON EmulationRequest carrying commands as the SDK sends them: a JSON string. */
  const commands = (session: string, node: string, ...cmds: object[]): string =>
    JSON.stringify({ session, node, data: cmds.map((c) => JSON.stringify(c)).join('\n') });

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.sse.enabled = true;
        c.httpStream.enabled = true;
        c.httpStream.maxRequestBodySize = 1024;
        c.emulation.maxRequestBodySize = 2048;
        c.httpApi.key = KEY;
        c.client.allowedOrigins = [ALLOWED];
        c.channel.withoutNamespace.allowSubscribeForClient = true;
      }),
    );
  });

  after(async () => {
    for (const s of streams) s.close();
    await server.close();
  });

  it('streams JSON replies line by line with no-buffering headers', async () => {
    const s = await open();
    assert.equal(s.res.status, 200);
    assert.equal(s.res.headers.get('content-type'), 'application/json');
    assert.match(s.res.headers.get('cache-control') ?? '', /no-cache/);
    assert.equal(s.res.headers.get('x-accel-buffering'), 'no');
    const { connect } = await s.next();
    assert.ok(connect);
    assert.equal(connect.node, server.app.node.id);
    assert.equal(connect.pong, true);
    // The session is its own secret, not the client id that presence shows to others.
    assert.match(connect.session, /^[0-9a-f-]{36}$/);
    assert.notEqual(connect.session, connect.client);
  });

  it('takes commands for the session through /emulation and answers on the stream', async () => {
    const s = await open();
    const { connect } = await s.next();
    const res = await emulate(commands(connect!.session, connect!.node, { id: 2, subscribe: { channel: 'news' } }, { id: 3, subscribe: { channel: 'sport' } }));
    assert.equal(res.status, 204);
    assert.deepEqual([(await s.next()).id, (await s.next()).id], [2, 3]);
  });

  it('takes protobuf EmulationRequests for a protobuf stream', async () => {
    const token = await connToken('proto');
    const res = await fetch(`${server.httpUrl}/connection/http_stream`, {
      method: 'POST',
      body: Command.encodeDelimited({ id: 1, connect: { token } }).finish(),
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    const reader = res.body!.getReader();
    const Reply = root.lookupType('centrifugal.centrifuge.protocol.Reply');
    const readReply = async (): Promise<Record<string, unknown>> => {
      const { value } = await reader.read();
      return Reply.toObject(Reply.decodeDelimited(value!)) as Record<string, unknown>;
    };
    const { connect } = (await readReply()) as { connect: { session: string; node: string } };
    const body = EmulationRequest.encode({
      node: connect.node,
      session: connect.session,
      data: Command.encodeDelimited({ id: 2, subscribe: { channel: 'pb' } }).finish(),
    }).finish();
    assert.equal((await emulate(body, { 'Content-Type': 'application/octet-stream' })).status, 204);
    assert.equal((await readReply()).id, 2);
    await reader.cancel();
  });

  it('serves SSE as data events after a blank line, by GET with cf_connect or by POST', async () => {
    const s = await open({ sse: true });
    assert.equal(s.res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const { connect } = await s.next();
    assert.equal(connect?.node, server.app.node.id);
    const token = await connToken('poster');
    const res = await fetch(`${server.httpUrl}/connection/sse`, { method: 'POST', body: JSON.stringify({ id: 1, connect: { token } }) });
    const text = await readUntil(res, '\n\n');
    assert.match(text, /^\r\ndata: \{"id":1,"connect":\{/);
  });

  it('answers 404 for a session that is gone, and the stream ends after its disconnect push', async () => {
    const s = await open({}, 'leaver');
    const { connect } = await s.next();
    const api = await fetch(`${server.httpUrl}/api/disconnect`, {
      method: 'POST',
      body: JSON.stringify({ user: 'leaver', session: connect!.session, disconnect: { code: 4502, reason: 'bye' } }),
      headers: { 'X-API-Key': KEY },
    });
    assert.equal(api.status, 200);
    assert.deepEqual((await s.next()).push?.disconnect, { code: 4502, reason: 'bye' });
    await s.end();
    assert.equal(server.app.node.emulatedSession(connect!.session), undefined);
    const gone = await emulate(commands(connect!.session, connect!.node, { id: 2, subscribe: { channel: 'x' } }));
    assert.equal(gone.status, 404);
    assert.match(await gone.text(), /unknown session/);
    assert.equal((await emulate(commands('no-such-session', server.app.node.id, {}))).status, 404);
  });

  it('forgets the session when the client goes away', async () => {
    const s = await open();
    const { connect } = await s.next();
    assert.ok(server.app.node.emulatedSession(connect!.session));
    s.close();
    await until(() => !server.app.node.emulatedSession(connect!.session), 3000);
    assert.equal(server.app.node.emulatedSession(connect!.session), undefined);
  });

  it('answers 404 for another node', async () => {
    const s = await open();
    const { connect } = await s.next();
    assert.equal((await emulate(commands(connect!.session, 'another-node', {}))).status, 404);
  });

  it('answers 400 for a body that is not an EmulationRequest', async () => {
    const bad = ['not json', '[1]', '{"session":"s","node":"n","data":{"id":1}}', '{"session":5}'];
    for (const body of bad) assert.equal((await emulate(body)).status, 400, body);
    const garbage = Buffer.from([0xff, 0xff, 0xff]);
    assert.equal((await emulate(garbage, { 'Content-Type': 'application/octet-stream' })).status, 400);
  });

  it('answers 413 over the body limits', async () => {
    const big = JSON.stringify({ session: 's', node: 'n', data: 'x'.repeat(3000) });
    const res = await emulate(big);
    assert.equal(res.status, 413);
    assert.match(await res.text(), /emulation\.max_request_body_size/);
    const connect = await fetch(`${server.httpUrl}/connection/http_stream`, { method: 'POST', body: 'x'.repeat(2000) });
    assert.equal(connect.status, 413);
    assert.match(await connect.text(), /http_stream\.max_request_body_size/);
  });

  it('answers 400 when no connect command came, and 405 for other methods', async () => {
    assert.equal((await fetch(`${server.httpUrl}/connection/sse`)).status, 400);
    assert.equal((await fetch(`${server.httpUrl}/connection/http_stream`, { method: 'POST' })).status, 400);
    const get = await fetch(`${server.httpUrl}/connection/http_stream`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
    assert.equal((await fetch(`${server.httpUrl}/emulation`)).status, 405);
    assert.equal((await fetch(`${server.httpUrl}/connection/sse`, { method: 'PUT', body: '{}' })).status, 405);
  });

  it('answers CORS preflights for allowed origins', async () => {
    for (const [path, methods] of [
      ['/emulation', 'POST, OPTIONS'],
      ['/connection/http_stream', 'POST, OPTIONS'],
      ['/connection/sse', 'GET, POST, OPTIONS'],
    ] as const) {
      const res = await fetch(`${server.httpUrl}${path}`, {
        method: 'OPTIONS',
        headers: { Origin: ALLOWED, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
      });
      assert.equal(res.status, 204, path);
      assert.equal(res.headers.get('access-control-allow-origin'), ALLOWED);
      assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
      assert.equal(res.headers.get('access-control-allow-methods'), methods);
      assert.match(res.headers.get('access-control-allow-headers') ?? '', /Content-Type/i);
    }
  });

  it('echoes an allowed origin on streams and commands, and refuses others with 403', async () => {
    const s = await open({ headers: { Origin: ALLOWED } });
    assert.equal(s.res.headers.get('access-control-allow-origin'), ALLOWED);
    const { connect } = await s.next();
    const ok = await emulate(commands(connect!.session, connect!.node, {}), { Origin: ALLOWED });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), ALLOWED);
    const evil = { Origin: 'http://evil.example' };
    const refused = await RawStream.open(server.httpUrl, {}, { headers: evil });
    assert.equal(refused.res.status, 403);
    assert.equal(refused.res.headers.get('access-control-allow-origin'), null);
    assert.equal((await RawStream.open(server.httpUrl, {}, { sse: true, headers: evil })).res.status, 403);
    assert.equal((await emulate(commands(connect!.session, connect!.node, {}), evil)).status, 403);
    assert.equal((await fetch(`${server.httpUrl}/emulation`, { method: 'OPTIONS', headers: evil })).status, 403);
  });
});

describe('emulation endpoints when off or shutting down', () => {
  it('are not served unless enabled', async (t) => {
    const server = await startServer(testConfig());
    t.after(() => server.close());
    for (const path of ['/connection/sse', '/connection/http_stream', '/emulation']) {
      assert.equal((await fetch(`${server.httpUrl}${path}`, { method: 'POST', body: '{}' })).status, 404, path);
    }
  });

  it('serves /emulation with only one of the two stream endpoints', async (t) => {
    const server = await startServer(testConfig((c) => (c.sse.enabled = true)));
    t.after(() => server.close());
    assert.equal((await fetch(`${server.httpUrl}/connection/http_stream`, { method: 'POST', body: '{}' })).status, 404);
    // The endpoint is there: an empty session is answered as unknown, not as a missing route.
    const res = await fetch(`${server.httpUrl}/emulation`, { method: 'POST', body: JSON.stringify({ node: server.app.node.id }) });
    assert.equal(res.status, 404);
    assert.match(await res.text(), /unknown session/);
  });

  it('refuses new streams with 503 once the node shuts down', async (t) => {
    const server = await startServer(testConfig((c) => (c.httpStream.enabled = true)));
    t.after(() => server.close());
    server.app.node.shutdown(3001, 'shutdown');
    const res = await fetch(`${server.httpUrl}/connection/http_stream`, { method: 'POST', body: '{"id":1,"connect":{}}' });
    assert.equal(res.status, 503);
  });
});

/** Reads a fetch body until `marker` shows up, then cancels it. */
async function readUntil(res: Response, marker: string): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

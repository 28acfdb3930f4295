import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startBackend, type Backend } from '../helpers/proxy-backend.js';
import { RawClient } from '../helpers/raw.js';
import { once, sdk, sdkOver, type Sdk, type SdkProtocol, type TransportCase } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';
import { defaultConfig } from '../../src/config/index.js';

const KEY = 'non-json-api-key-0123456789';
const WARNING = 'payload is not JSON: JSON-protocol client disconnected';

/** Bytes that are neither UTF-8 nor JSON, as a protobuf app might publish. */
const BINARY = Uint8Array.from([0x08, 0x96, 0x01, 0xff, 0x00, 0x7b]);
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

interface Disconnect {
  code: number;
  reason: string;
}

/**
 * Payloads that are not JSON (from protobuf clients, `b64data`, `b64info`, a backend's
 * binary RPC answer) never reach a JSON-protocol client as a broken frame: it is
 * disconnected with 3506 (inappropriate protocol), as Centrifugo does, while protobuf
 * clients receive the bytes.
 */
describe('payloads that are not JSON', () => {
  let server: TestServer;
  let backend: Backend;
  const clients: Sdk[] = [];
  const raws: RawClient[] = [];
  const logs: Array<Record<string, unknown>> = [];

  const connected = async (protocol: SdkProtocol, user: string, claims: Record<string, unknown> = {}): Promise<Sdk> => {
    const c = sdk(protocol, server.url, { token: await connToken(user, claims) });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    return c;
  };
  const connectedOver = async (tc: TransportCase, user: string): Promise<Sdk> => {
    const c = sdkOver(tc, server.httpUrl, { token: await connToken(user) });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    return c;
  };
  const subscribed = async (c: Sdk, channel: string, opts: Parameters<Sdk['newSubscription']>[1] = {}) => {
    const s = c.newSubscription(channel, opts);
    s.subscribe();
    await s.ready(3000);
    return s;
  };
  const api = async (method: string, body: object): Promise<Record<string, unknown>> => {
    const res = await fetch(`${server.httpUrl}/api/${method}`, { method: 'POST', body: JSON.stringify(body), headers: { 'X-API-Key': KEY } });
    assert.equal(res.status, 200);
    const reply = (await res.json()) as Record<string, unknown>;
    assert.equal(reply.error, undefined, JSON.stringify(reply));
    return reply;
  };
  const warnings = (): Array<Record<string, unknown>> => logs.filter((l) => l.msg === WARNING);

  before(async () => {
    backend = await startBackend('http', {
      rpc: (body) => ({ result: body.method === 'binary' ? { b64data: b64(BINARY) } : { data: { ok: true } } }),
    });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    server = await startServer(
      testConfig((c) => {
        c.sse.enabled = true;
        c.httpStream.enabled = true;
        c.httpApi.key = KEY;
        c.rpc.proxy = { ...structuredClone(defaultConfig().rpc.proxy), endpoint: backend.endpoint('rpc') };
        c.rpc.withoutNamespace = { proxyEnabled: true, proxyName: 'default' };
        c.channel.namespaces = [
          namespace('mixed', {
            presence: true,
            joinLeave: true,
            historySize: 10,
            historyTtl: 60_000,
            allowSubscribeForClient: true,
            allowPublishForSubscriber: true,
            allowPresenceForClient: true,
            allowHistoryForClient: true,
          }),
        ];
      }),
      pino({ level: 'warn' }, sink),
    );
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await server.close();
    await backend.close();
  });

  it('a protobuf client publishes bytes: JSON subscribers end with 3506 for good, protobuf ones get the bytes', async () => {
    const [json1, json2, proto] = [await connected('json', 'j1'), await connected('json', 'j2'), await connected('protobuf', 'p1')];
    await subscribed(json1, 'mixed:pub');
    await subscribed(json2, 'mixed:pub');
    const protoSub = await subscribed(proto, 'mixed:pub');
    const ends = [once<Disconnect>(json1, 'disconnected'), once<Disconnect>(json2, 'disconnected')];
    const got = once<{ data: Uint8Array }>(protoSub, 'publication');
    const before = warnings().length;
    await protoSub.publish(BINARY);
    for (const end of ends) assert.deepEqual(await end, { code: 3506, reason: 'inappropriate protocol' });
    // 3506 is in the terminal range: the SDK stays disconnected instead of reconnecting.
    assert.equal(json1.state, 'disconnected');
    assert.equal(json2.state, 'disconnected');
    assert.deepEqual(Uint8Array.from((await got).data), BINARY);
    assert.equal(proto.state, 'connected');
    // One warning for the publication, naming channel and client, never the payload.
    const logged = warnings().slice(before);
    assert.equal(logged.length, 1);
    assert.equal(logged[0]!.channel, 'mixed:pub');
    assert.equal(logged[0]!.field, 'data');
    assert.equal(typeof logged[0]!.client, 'string');
    assert.equal(logged[0]!.level, 40);
    assert.ok(!JSON.stringify(logged[0]).includes(b64(BINARY)));
  });

  it('API b64data that is not JSON ends JSON sessions on every transport, emulated ones included', async () => {
    const cases: TransportCase[] = [
      { transport: 'websocket', protocol: 'json' },
      { transport: 'http_stream', protocol: 'json' },
      { transport: 'sse', protocol: 'json' },
    ];
    const jsons = await Promise.all(cases.map((tc, i) => connectedOver(tc, `t${i}`)));
    for (const c of jsons) await subscribed(c, 'mixed:api');
    const proto = await connectedOver({ transport: 'http_stream', protocol: 'protobuf' }, 'tp');
    const protoSub = await subscribed(proto, 'mixed:api');
    const ends = jsons.map((c) => once<Disconnect>(c, 'disconnected'));
    const got = once<{ data: Uint8Array }>(protoSub, 'publication');
    await api('publish', { channel: 'mixed:api', b64data: b64(BINARY) });
    for (const end of ends) assert.equal((await end).code, 3506);
    for (const c of jsons) assert.equal(c.state, 'disconnected');
    assert.deepEqual(Uint8Array.from((await got).data), BINARY);
  });

  it('JSON published as bytes or b64data still reaches JSON clients unchanged', async () => {
    const json = await connected('json', 'fine');
    const proto = await connected('protobuf', 'fine-p');
    const jsonSub = await subscribed(json, 'mixed:ok');
    const protoSub = await subscribed(proto, 'mixed:ok');
    const first = once<{ data: unknown }>(jsonSub, 'publication');
    await protoSub.publish(new TextEncoder().encode('{"text":"héllo","n":[1,2]}\n'));
    assert.deepEqual((await first).data, { text: 'héllo', n: [1, 2] });
    const second = once<{ data: unknown }>(jsonSub, 'publication');
    await api('publish', { channel: 'mixed:ok', b64data: b64(new TextEncoder().encode('"just a string"')) });
    assert.equal((await second).data, 'just a string');
    const history = await json.history('mixed:ok', { limit: 10 });
    assert.deepEqual(
      history.publications.map((p) => p.data),
      [{ text: 'héllo', n: [1, 2] }, 'just a string'],
    );
    assert.equal(json.state, 'connected');
  });

  it('history holding a payload that is not JSON ends the JSON client that asks for it', async () => {
    await api('publish', { channel: 'mixed:hist', data: { fine: true } });
    await api('publish', { channel: 'mixed:hist', b64data: b64(BINARY) });
    const proto = await connected('protobuf', 'hp');
    const page = await proto.history('mixed:hist', { limit: 10 });
    assert.deepEqual(Uint8Array.from(page.publications[1]!.data as Uint8Array), BINARY);
    const json = await connected('json', 'hj');
    const end = once<Disconnect>(json, 'disconnected');
    const before = warnings().length;
    json.history('mixed:hist', { limit: 10 }).catch(() => undefined);
    assert.equal((await end).code, 3506);
    const logged = warnings().slice(before);
    assert.equal(logged.length, 1);
    assert.equal(logged[0]!.channel, 'mixed:hist');
  });

  it('presence and join pushes with connection info that is not JSON end JSON clients', async () => {
    const watcher = await connected('json', 'watcher');
    await subscribed(watcher, 'mixed:pres', { joinLeave: true });
    const watcherEnd = once<Disconnect>(watcher, 'disconnected');
    // A token's b64info may be any bytes; it shows in presence and join/leave.
    const proto = await connected('protobuf', 'binary-info', { b64info: b64(BINARY) });
    await subscribed(proto, 'mixed:pres');
    assert.equal((await watcherEnd).code, 3506);
    const presence = await proto.presence('mixed:pres');
    assert.deepEqual(Uint8Array.from(Object.values(presence.clients)[0]!.connInfo as Uint8Array), BINARY);
    const asker = await connected('json', 'asker');
    const end = once<Disconnect>(asker, 'disconnected');
    asker.presence('mixed:pres').catch(() => undefined);
    assert.equal((await end).code, 3506);
  });

  it('an RPC answer that is not JSON ends the JSON caller; a protobuf caller gets the bytes', async () => {
    const proto = await connected('protobuf', 'rp');
    assert.deepEqual(Uint8Array.from((await proto.rpc('binary', new Uint8Array(0))).data as Uint8Array), BINARY);
    const json = await connected('json', 'rj');
    assert.deepEqual((await json.rpc('plain', {})).data, { ok: true });
    const end = once<Disconnect>(json, 'disconnected');
    json.rpc('binary', {}).catch(() => undefined);
    assert.equal((await end).code, 3506);
  });

  it('recovered publications that are not JSON end the recovering JSON client', async () => {
    const raw = await RawClient.open(server.url);
    raws.push(raw);
    raw.send({ id: 1, connect: { token: await connToken('recoverer') } });
    await raw.reply(1);
    raw.send({ id: 2, subscribe: { channel: 'mixed:rec', recoverable: true } });
    const sub = (await raw.reply(2)).subscribe as { epoch: string; offset?: number };
    raw.send({ id: 3, unsubscribe: { channel: 'mixed:rec' } });
    await raw.reply(3);
    await api('publish', { channel: 'mixed:rec', b64data: b64(BINARY) });
    raw.send({ id: 4, subscribe: { channel: 'mixed:rec', recoverable: true, recover: true, epoch: sub.epoch, offset: sub.offset ?? 0 } });
    assert.deepEqual(await raw.closeCode(), { code: 3506, reason: 'inappropriate protocol' });
  });
});

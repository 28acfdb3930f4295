import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { GrpcApi } from '../../src/api/grpc.js';
import { ServerApiAuthenticator } from '../../src/auth/index.js';
import { protoPath } from '../../src/protocol/index.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { connToken } from '../helpers/tokens.js';
import { selfSigned } from '../helpers/tls.js';
import { forgeries } from '../helpers/forgery.js';
import { JwksServer, signingKey, signWith } from '../helpers/jwks-server.js';

const require = createRequire(import.meta.url);
const KEY = 'grpc-api-key-0123456789';
const SERVICE = 'centrifugal.centrifugo.api.CentrifugoApi';
const def = loadSync(protoPath('api.proto'), { keepCase: true, longs: Number, bytes: Buffer, defaults: false, oneofs: true });

interface ApiErr {
  code: number;
  message: string;
}
interface Res<R> {
  error?: ApiErr;
  result?: R;
}
interface ClientInfo {
  user: string;
  client: string;
  conn_info?: Buffer;
  chan_info?: Buffer;
}

const json = (b: Buffer | undefined): unknown => (b ? JSON.parse(b.toString('utf8')) : undefined);
const bytes = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

function apiKey(key = KEY, extra: Record<string, string> = {}): Metadata {
  const md = new Metadata();
  md.set('authorization', `apikey ${key}`);
  for (const [k, v] of Object.entries(extra)) md.set(k, v);
  return md;
}

/** A plain grpc-js client of CentrifugoApi, built from proto/api.proto like any generated client. */
class ApiClient {
  private readonly client: Client;

  constructor(port: number, creds = credentials.createInsecure()) {
    this.client = new Client(`127.0.0.1:${port}`, creds);
  }

  /** Calls an rpc; the response shape is what the test asserts, so it is cast here. */
  raw<T>(rpc: string, req: object, md: Metadata = apiKey()): Promise<T> {
    const svc = def[SERVICE];
    const m = svc && !('format' in svc) ? svc[rpc] : undefined;
    if (!m || 'format' in m) throw new Error(`no rpc ${rpc}`);
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, md, (err, res) => (err ? reject(err) : resolve(res as T)));
    });
  }

  call<R>(rpc: string, req: object, md?: Metadata): Promise<Res<R>> {
    return this.raw<Res<R>>(rpc, req, md);
  }

  /** BatchResponse is `{replies}` itself, with no error/result wrapper. */
  batch(req: object): Promise<{ replies?: Array<Record<string, unknown>> }> {
    return this.raw('Batch', req);
  }

  async result<R>(rpc: string, req: object): Promise<R> {
    const res = await this.call<R>(rpc, req);
    assert.equal(res.error, undefined, `${rpc} failed: ${JSON.stringify(res.error)}`);
    return res.result ?? ({} as R);
  }

  close(): void {
    this.client.close();
  }
}

async function rejectsWith(p: Promise<unknown>, code: status): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    const e = err as ServiceError;
    assert.equal(e.code, code, `expected status ${status[code]}, got ${status[e.code]}: ${e.details}`);
    return e;
  }
  assert.fail(`expected status ${status[code]}`);
}

describe('gRPC server API', () => {
  let server: TestServer;
  let grpc: GrpcApi;
  let api: ApiClient;
  const clients: Sdk[] = [];
  const connected = async (user: string, info?: unknown): Promise<Sdk> => {
    const c = sdk('json', server.url, { token: await connToken(user, info === undefined ? {} : { info }) });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    return c;
  };
  const subscribed = async (c: Sdk, channel: string) => {
    const sub = c.newSubscription(channel);
    sub.subscribe();
    await sub.ready(3000);
    return sub;
  };

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.channel.namespaces = [
          namespace('news', { presence: true, historySize: 10, historyTtl: 60_000, allowSubscribeForClient: true }),
          namespace('bare', { allowSubscribeForClient: true }),
          namespace('board', { subscriptionType: 'map', map: { ...structuredClone(c.channel.withoutNamespace.map), mode: 'persistent' } }),
        ];
      }),
    );
    grpc = new GrpcApi({ node: server.app.node, auth: new ServerApiAuthenticator({ key: KEY, insecure: false }), errorMode: '' });
    api = new ApiClient(await grpc.start('127.0.0.1', 0));
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    api.close();
    await Promise.all([grpc.close(), grpc.close()]);
    await server.close();
  });

  it('serves the map methods, alone and in a batch', async () => {
    const channel = 'board:grpc';
    const w = await api.result<{ offset: number; epoch: string }>('MapPublish', { channel, key: 'k1', data: bytes({ v: 1 }), tags: { t: 'a' } });
    assert.equal(w.offset, 1);
    const dup = await api.result<{ suppressed?: boolean; suppress_reason?: string }>('MapPublish', { channel, key: 'k1', data: bytes(2), key_mode: 'if_new' });
    assert.deepEqual([dup.suppressed, dup.suppress_reason], [true, 'key_exists']);
    const state = await api.result<{ entries: Array<{ key: string; data: Buffer; tags: Record<string, string> }>; epoch: string }>('MapReadState', { channel, limit: -1 });
    assert.deepEqual(state.entries.map((e) => [e.key, json(e.data), e.tags]), [['k1', { v: 1 }, { t: 'a' }]]);
    assert.equal(state.epoch, w.epoch);
    const batch = await api.batch({ commands: [{ map_remove: { channel, key: 'k1' } }, { map_stats: { channel } }] });
    assert.equal((batch.replies?.[0]?.map_remove as { offset: number }).offset, 2);
    assert.equal((batch.replies?.[1]?.map_stats as { num_keys?: number }).num_keys ?? 0, 0);
    const stream = await api.result<{ entries: Array<{ key: string; removed?: boolean; offset: number }> }>('MapReadStream', { channel, limit: -1 });
    assert.deepEqual(stream.entries.map((e) => [e.offset, e.removed ?? false]), [[1, false], [2, true]]);
    assert.deepEqual(await api.result('MapClear', { channel }), {});
    const wrong = await api.call('MapStats', { channel: 'bare:x' });
    assert.equal(wrong.error?.code, 107);
  });

  it('publishes, and an SDK subscriber receives the JSON payload', async () => {
    const sub = await subscribed(await connected('reader'), 'news:a');
    const got = once<{ data: unknown; tags?: Record<string, string> }>(sub, 'publication');
    const res = await api.result<{ offset: number; epoch: string }>('Publish', { channel: 'news:a', data: bytes({ title: 'hello' }), tags: { kind: 'greeting' } });
    assert.equal(res.offset, 1);
    assert.ok(res.epoch.length > 0);
    const pub = await got;
    assert.deepEqual(pub.data, { title: 'hello' });
    assert.deepEqual(pub.tags, { kind: 'greeting' });
    assert.deepEqual(await api.result('Publish', { channel: 'news:a', data: bytes({}), skip_history: true }), {});
  });

  it('keeps binary payloads byte for byte (bytes field and b64data)', async () => {
    const bin = Buffer.from([0xff, 0x00, 0xfe, 0x22]);
    await api.result('Publish', { channel: 'news:bin', data: bin });
    await api.result('Publish', { channel: 'news:bin', b64data: bin.toString('base64') });
    const hist = await api.result<{ publications: Array<{ data: Buffer }> }>('History', { channel: 'news:bin', limit: -1 });
    assert.deepEqual(hist.publications.map((p) => p.data), [bin, bin]);
  });

  it('broadcasts with a response per channel', async () => {
    const res = await api.result<{ responses: Array<Res<{ offset: number }>> }>('Broadcast', { channels: ['news:b1', 'nope:x', 'news:b2'], data: bytes({ n: 1 }) });
    assert.equal(res.responses.length, 3);
    assert.equal(res.responses[0]!.result?.offset, 1);
    assert.deepEqual(res.responses[1]!.error, { code: 102, message: 'unknown channel' });
    assert.equal(res.responses[2]!.result?.offset, 1);
  });

  it('subscribes, refreshes, unsubscribes and disconnects a connected user', async () => {
    const c = await connected('target');
    const sub = once<{ channel: string; data?: unknown }>(c, 'subscribed');
    await api.result('Subscribe', { user: 'target', channel: 'news:forced', data: bytes({ welcome: true }) });
    const s = await sub;
    assert.equal(s.channel, 'news:forced');
    assert.deepEqual(s.data, { welcome: true });
    const pub = once<{ data: unknown }>(c, 'publication');
    await api.result('Publish', { channel: 'news:forced', data: bytes({ v: 2 }) });
    assert.deepEqual((await pub).data, { v: 2 });
    await api.result('Refresh', { user: 'target', expire_at: Math.floor(Date.now() / 1000) + 3600, info: bytes({ fresh: 1 }) });
    const unsub = once<{ channel: string }>(c, 'unsubscribed');
    await api.result('Unsubscribe', { user: 'target', channel: 'news:forced' });
    assert.equal((await unsub).channel, 'news:forced');
    const gone = once<{ code: number; reason: string }>(c, 'disconnected');
    await api.result('Disconnect', { user: 'target', disconnect: { code: 4500, reason: 'bye' } });
    assert.deepEqual(await gone, { code: 4500, reason: 'bye' });
  });

  it('targets connections by label with all_users, and lists them with Connections', async () => {
    const mk = async (user: string, labels: Record<string, string>) => {
      const c = sdk('protobuf', server.url, { token: await connToken(user, { labels }) });
      clients.push(c);
      c.connect();
      await c.ready(3000);
      return c;
    };
    const pro = await mk('grpc-pro', { tier: 'pro', fleet: 'grpc' });
    await mk('grpc-free', { tier: 'free', fleet: 'grpc' });
    const listed = await api.result<{ connections: Record<string, { user: string; labels: Record<string, string>; protocol: string; state: { channels?: object }; node: string; node_uid: string }> }>('Connections', {
      label_filter: { key: 'fleet', cmp: 'eq', val: 'grpc' },
    });
    const users = Object.values(listed.connections).map((c) => [c.user, c.labels.tier, c.protocol]);
    assert.deepEqual(users.sort(), [['grpc-free', 'free', 'protobuf'], ['grpc-pro', 'pro', 'protobuf']]);
    for (const c of Object.values(listed.connections)) assert.deepEqual([c.node, c.node_uid], [server.app.node.deps.name, server.app.node.id], 'the node by name, and its uid');

    const gone = once<{ code: number }>(pro, 'disconnected');
    const res = await api.result<{ affected: number }>('Disconnect', {
      all_users: true,
      label_filter: { op: 'and', nodes: [{ key: 'fleet', cmp: 'eq', val: 'grpc' }, { key: 'tier', cmp: 'eq', val: 'pro' }] },
    });
    assert.equal(res.affected, 1);
    assert.equal((await gone).code, 3503);
    const bad = await api.call('Disconnect', { all_users: true, label_filter: { key: 'tier', cmp: 'like', val: 'x' } });
    assert.deepEqual(bad.error, { code: 107, message: 'bad request: label_filter: filter: unknown cmp "like"' });
  });

  it('answers presence, presence_stats, history, history_remove, channels and info', async () => {
    await subscribed(await connected('watcher', { name: 'W' }), 'news:room');
    const presence = await api.result<{ presence: Record<string, ClientInfo> }>('Presence', { channel: 'news:room' });
    const entries = Object.values(presence.presence);
    assert.deepEqual(entries.map((p) => p.user), ['watcher']);
    assert.deepEqual(json(entries[0]!.conn_info), { name: 'W' });
    assert.deepEqual(await api.result('PresenceStats', { channel: 'news:room' }), { num_clients: 1, num_users: 1 });
    for (let i = 0; i < 3; i++) await api.result('Publish', { channel: 'news:room', data: bytes({ i }) });
    const hist = await api.result<{ publications: Array<{ data: Buffer; offset: number }>; epoch: string; offset: number }>('History', { channel: 'news:room', limit: 2, reverse: true });
    assert.deepEqual(hist.publications.map((p) => json(p.data)), [{ i: 2 }, { i: 1 }]);
    assert.deepEqual(hist.publications.map((p) => p.offset), [3, 2]);
    assert.equal(hist.offset, 3);
    const since = await api.result<{ publications: unknown[] }>('History', { channel: 'news:room', limit: 10, since: { offset: 1, epoch: hist.epoch } });
    assert.equal(since.publications.length, 2);
    await api.result('HistoryRemove', { channel: 'news:room' });
    assert.equal((await api.result<{ publications?: unknown[] }>('History', { channel: 'news:room', limit: -1 })).publications, undefined);
    const channels = await api.result<{ channels: Record<string, { num_clients: number }> }>('Channels', { pattern: 'news:r*' });
    assert.deepEqual(channels.channels, { 'news:room': { num_clients: 1 } });
    const info = await api.result<{ nodes: Array<{ uid: string; num_clients: number; uptime?: number; process?: { rss: number } }> }>('Info', {});
    assert.equal(info.nodes.length, 1);
    assert.equal(info.nodes[0]!.uid, server.app.node.id);
    assert.ok(info.nodes[0]!.num_clients >= 1);
    assert.ok((info.nodes[0]!.process?.rss ?? 0) > 0);
    assert.deepEqual((await api.call('Presence', { channel: 'bare:x' })).error, { code: 108, message: 'not available' });
  });

  it('reports API errors in the response: rpc 104, validation 107', async () => {
    assert.deepEqual((await api.call('RPC', { method: 'sum', params: bytes([1, 2]) })).error, { code: 104, message: 'not found' });
    const noChannel = await api.call('Publish', { data: bytes({}) });
    assert.equal(noChannel.error?.code, 107);
    assert.match(noChannel.error?.message ?? '', /channel/);
    assert.equal((await api.call('Publish', { channel: 'news:x' })).error?.code, 107);
  });

  it('runs batches sequentially and in parallel, replies in order', async () => {
    for (const parallel of [false, true]) {
      const res = await api.batch({
        parallel,
        commands: [{ publish: { channel: 'news:batch', data: bytes({}) } }, { presence_stats: { channel: 'bare:x' } }, {}, { info: {} }, { history: { channel: 'news:batch', limit: 1, reverse: true } }],
      });
      const [pub, stats, empty, info, hist] = res.replies ?? [];
      assert.ok(((pub!['publish'] as { offset: number }).offset ?? 0) > 0);
      assert.equal((stats!['error'] as ApiErr).code, 108);
      assert.equal((empty!['error'] as ApiErr).code, 104);
      assert.equal((info!['info'] as { nodes: unknown[] }).nodes.length, 1);
      assert.ok(hist!['history']);
    }
    assert.deepEqual(await api.batch({}), {});
  });

  it('authenticates from authorization metadata', async () => {
    await rejectsWith(api.call('Info', {}, new Metadata()), status.UNAUTHENTICATED);
    await rejectsWith(api.call('Info', {}, apiKey('wrong')), status.UNAUTHENTICATED);
    await rejectsWith(api.call('Info', {}, bearer(KEY)), status.UNAUTHENTICATED);
    const ok = apiKey();
    ok.set('authorization', `APIKEY ${KEY}`);
    assert.equal((await api.call<{ nodes: unknown[] }>('Info', {}, ok)).result?.nodes.length, 1);
  });

  it('maps errors to gRPC statuses in transport error mode', async () => {
    const md = apiKey(KEY, { 'x-centrifugo-error-mode': 'transport' });
    const e = await rejectsWith(api.call('Publish', { channel: 'nope:x', data: bytes({}) }, md), status.NOT_FOUND);
    assert.equal(e.details, 'unknown channel');
    // Centrifugo-style rich details: google.rpc.Status{details: [Any{api.Error}]}.
    const detailsBin = e.metadata.get('grpc-status-details-bin')[0];
    assert.ok(Buffer.isBuffer(detailsBin));
    const st = new protobuf.Reader(detailsBin);
    const fields = readFields(st);
    assert.equal(fields.get(1), status.NOT_FOUND);
    const anyMsg = readFields(new protobuf.Reader(fields.get(3) as Uint8Array));
    assert.equal(Buffer.from(anyMsg.get(1) as Uint8Array).toString(), 'type.googleapis.com/centrifugal.centrifugo.api.Error');
    const apiErr = readFields(new protobuf.Reader(anyMsg.get(2) as Uint8Array));
    assert.equal(apiErr.get(1), 102);
    await rejectsWith(api.call('History', { channel: 'news:a', since: { offset: 1, epoch: 'bad' }, limit: 1 }, md), status.OUT_OF_RANGE);
    await rejectsWith(api.call('Presence', { channel: 'bare:x' }, md), status.INVALID_ARGUMENT);
    await rejectsWith(api.call('RPC', { method: 'x' }, md), status.NOT_FOUND);
  });

  it('rejects requests over the receive limit', async () => {
    const big = bytes({ pad: 'x'.repeat(1024 * 1024 + 1) });
    await rejectsWith(api.call('Publish', { channel: 'news:big', data: big }), status.RESOURCE_EXHAUSTED);
  });

  it('maps a 403 to PERMISSION_DENIED, honours errorMode transport and closes idempotently', async () => {
    const denied = new GrpcApi({ node: server.app.node, auth: { authenticate: async () => ({ ok: false, status: 403, message: 'forbidden' }) }, errorMode: '' });
    const strict = new GrpcApi({ node: server.app.node, auth: { authenticate: async () => ({ ok: true, caller: 'test' }) }, errorMode: 'transport' });
    const a = new ApiClient(await denied.start('127.0.0.1', 0));
    const b = new ApiClient(await strict.start('127.0.0.1', 0));
    try {
      await rejectsWith(a.call('Info', {}), status.PERMISSION_DENIED);
      await rejectsWith(b.call('Publish', { channel: 'nope:x', data: bytes({}) }), status.NOT_FOUND);
    } finally {
      a.close();
      b.close();
      await denied.close();
      await denied.close();
      await strict.close();
    }
    await assert.rejects(denied.start('127.0.0.1', 0), /already started or closed/);
  });
});

/** Scalar and length-delimited fields of a protobuf message, by number (last wins). */
function readFields(r: protobuf.Reader): Map<number, number | Uint8Array> {
  const out = new Map<number, number | Uint8Array>();
  while (r.pos < r.len) {
    const tag = r.uint32();
    if ((tag & 7) === 0) out.set(tag >>> 3, r.uint32());
    else if ((tag & 7) === 2) out.set(tag >>> 3, r.bytes());
    else r.skipType(tag & 7);
  }
  return out;
}

describe('gRPC API from config', () => {
  /** A server whose grpc_api takes Bearer tokens from a local IdP publishing one key. */
  const bearerApi = async (t: TestContext, kid: string, jwks: { audience: string; issuer?: string; scope?: string }) => {
    const idp = await new JwksServer().start();
    t.after(() => idp.close());
    const key = await signingKey(kid);
    idp.keys = [key];
    const server = await startServer(
      testConfig((c) => {
        c.grpcApi = { ...c.grpcApi, enabled: true, address: '127.0.0.1', port: 0, jwks: { ...c.grpcApi.jwks, enabled: true, endpoint: idp.url, ...jwks } };
      }),
    );
    t.after(() => server.close());
    const client = new ApiClient(server.app.grpcPort!);
    t.after(() => client.close());
    return { idp, key, client };
  };

  it('serves over TLS with grpc_api.tls', async (t) => {
    const { cert, key } = selfSigned();
    const server = await startServer(
      testConfig((c) => {
        c.grpcApi = { ...c.grpcApi, enabled: true, address: '127.0.0.1', port: 0, key: KEY, tls: { enabled: true, certPem: cert, certPemFile: '', keyPem: key, keyPemFile: '', clientCaPem: '' } };
      }),
    );
    t.after(() => server.close());
    const client = new ApiClient(server.app.grpcPort!, credentials.createSsl(Buffer.from(cert)));
    t.after(() => client.close());
    const info = await client.result<{ nodes: unknown[] }>('Info', {});
    assert.equal(info.nodes.length, 1);
  });

  it('asks gRPC clients for a certificate the client CA signed with grpc_api.tls.client_ca_pem', async (t) => {
    const { cert, key } = selfSigned();
    const client = selfSigned();
    const server = await startServer(
      testConfig((c) => {
        c.grpcApi = { ...c.grpcApi, enabled: true, address: '127.0.0.1', port: 0, key: KEY, tls: { enabled: true, certPem: cert, certPemFile: '', keyPem: key, keyPemFile: '', clientCaPem: client.cert } };
      }),
    );
    t.after(() => server.close());
    const withCert = new ApiClient(server.app.grpcPort!, credentials.createSsl(Buffer.from(cert), Buffer.from(client.key), Buffer.from(client.cert)));
    t.after(() => withCert.close());
    assert.equal((await withCert.result<{ nodes: unknown[] }>('Info', {})).nodes.length, 1);
    const without = new ApiClient(server.app.grpcPort!, credentials.createSsl(Buffer.from(cert)));
    t.after(() => without.close());
    await rejectsWith(without.call('Info', {}), status.UNAVAILABLE);
  });

  it('starts with grpc_api.enabled and answers with grpc_api.key', async (t) => {
    const server = await startServer(
      testConfig((c) => {
        c.grpcApi = { ...c.grpcApi, enabled: true, address: '127.0.0.1', port: 0, key: KEY };
      }),
    );
    t.after(() => server.close());
    const client = new ApiClient(server.app.grpcPort!);
    t.after(() => client.close());
    const info = await client.result<{ nodes: Array<{ uid: string }> }>('Info', {});
    assert.equal(info.nodes[0]!.uid, server.app.node.id);
    await rejectsWith(client.call('Info', {}, apiKey('wrong')), status.UNAUTHENTICATED);
  });

  it('serves gRPC server reflection with grpc_api.reflection, and none without it', async (t) => {
    const reflection = loadSync(require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'), { keepCase: true, longs: Number, defaults: false, oneofs: true });
    const info = reflection['grpc.reflection.v1.ServerReflection'] as unknown as Record<string, { path: string; requestSerialize: (v: object) => Buffer; responseDeserialize: (b: Buffer) => unknown }>;
    const m = info.ServerReflectionInfo!;
    /** One request on the bidirectional stream: its first answer, or the stream's error. */
    const ask = (port: number, req: object): Promise<Record<string, unknown>> => {
      const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
      const call = client.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize as (b: Buffer) => Record<string, unknown>);
      return new Promise<Record<string, unknown>>((resolve, reject) => {
        call.once('data', (d: Record<string, unknown>) => resolve(d));
        call.once('error', reject);
        call.write(req);
        call.end();
      }).finally(() => client.close());
    };
    const start = async (reflect: boolean): Promise<number> => {
      const server = await startServer(testConfig((c) => (c.grpcApi = { ...c.grpcApi, enabled: true, address: '127.0.0.1', port: 0, key: KEY, reflection: reflect })));
      t.after(() => server.close());
      return server.app.grpcPort!;
    };
    const on = await start(true);
    const listed = (await ask(on, { list_services: '' })).list_services_response as { service: Array<{ name: string }> };
    assert.ok(listed.service.some((s) => s.name === SERVICE), JSON.stringify(listed));
    const file = (await ask(on, { file_containing_symbol: SERVICE })).file_descriptor_response as { file_descriptor_proto: Buffer[] };
    assert.ok(file.file_descriptor_proto.length >= 1);
    assert.match(file.file_descriptor_proto[0]!.toString('latin1'), /CentrifugoApi/);
    // The API itself still wants its key.
    const api = new ApiClient(on);
    t.after(() => api.close());
    await rejectsWith(api.call('Info', {}, apiKey('wrong')), status.UNAUTHENTICATED);
    await rejectsWith(ask(await start(false), { list_services: '' }), status.UNIMPLEMENTED);
  });

  it('refuses Bearer tokens with valid claims but a forged signature as UNAUTHENTICATED', async (t) => {
    const { key, client } = await bearerApi(t, 'grpc-forged', { audience: 'parsec-api', issuer: 'https://idp.test', scope: 'parsec:api' });
    const claims = { aud: 'parsec-api', iss: 'https://idp.test', sub: 'backend', scope: 'parsec:api', exp: Math.floor(Date.now() / 1000) + 600 };
    assert.equal((await client.call<{ nodes: unknown[] }>('Info', {}, bearer(await signWith(key, claims)))).result?.nodes.length, 1);
    const forged = await forgeries(key, claims, { sub: 'admin' });
    const codes = await Promise.all(
      forged.map(({ name, token }) =>
        client.call('Info', {}, bearer(token)).then(
          () => [name, 'OK'],
          (err: ServiceError) => [name, status[err.code]],
        ),
      ),
    );
    assert.deepEqual(Object.fromEntries(codes), Object.fromEntries(forged.map(({ name }) => [name, 'UNAUTHENTICATED'])));
  });

  it('accepts a Bearer token from a key rotated in right after the last JWKS fetch (grpc_api.jwks)', async (t) => {
    const { idp, key: first, client } = await bearerApi(t, 'grpc-1', { audience: 'parsec-api' });
    const claims = { aud: 'parsec-api', sub: 'backend' };
    await rejectsWith(client.call('Info', {}, bearer(await signWith(first, claims, 'not-published'))), status.UNAUTHENTICATED);
    const rotated = await signingKey('grpc-2');
    idp.keys = [rotated];
    const before = idp.hits;
    assert.equal((await client.call<{ nodes: unknown[] }>('Info', {}, bearer(await signWith(rotated, claims)))).result?.nodes.length, 1);
    assert.equal(idp.hits - before, 1);
    // An unknown kid with the JWKS unreachable is UNAVAILABLE, which gRPC clients retry.
    idp.up = false;
    await rejectsWith(client.call('Info', {}, bearer(await signWith(rotated, claims, 'grpc-3'))), status.UNAVAILABLE);
  });
});

import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, enableBroker, issue, startIdp, userToken } from '../helpers/broker.js';
import { startBackend, Status, type Backend, type Body } from '../helpers/proxy-backend.js';
import { scrape, type Scrape } from '../helpers/prometheus.js';
import { sdk, type Sdk } from '../helpers/sdk.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';
import type { Config } from '../../src/config/types.js';
import { protoPath } from '../../src/protocol/index.js';

const API_KEY = 'metrics-test-key';

async function api(s: TestServer, method: string, params: unknown): Promise<{ result?: unknown; error?: { code: number } }> {
  const res = await fetch(`${s.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': API_KEY }, body: JSON.stringify(params) });
  assert.equal(res.status, 200);
  return (await res.json()) as { result?: unknown; error?: { code: number } };
}

function proxyConfig(c: Config, endpoint: string): void {
  c.rpc.proxy = { ...c.rpc.proxy, endpoint, timeout: 2000 };
  c.rpc.withoutNamespace = { ...c.rpc.withoutNamespace, proxyEnabled: true, proxyName: 'default' };
}

/** Histogram counts must agree with their `+Inf` bucket, and buckets must not decrease. */
function assertHistogram(m: Scrape, name: string, labels: Record<string, string>): number {
  const count = m.value(`${name}_count`, labels);
  const buckets = m.samples(`${name}_bucket`, labels).sort((a, b) => Number(a.labels.le === '+Inf' ? Infinity : a.labels.le) - Number(b.labels.le === '+Inf' ? Infinity : b.labels.le));
  assert.ok(buckets.length > 0, `${name} has buckets`);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, `${name} buckets never decrease`);
  assert.equal(buckets[buckets.length - 1]!.labels.le, '+Inf');
  assert.equal(buckets[buckets.length - 1]!.value, count);
  return count;
}

describe('/metrics', () => {
  let server: TestServer;
  let backend: Backend;
  const clients: Sdk[] = [];

  before(async () => {
    backend = await startBackend('http', {
      rpc: (b: Body) => (b.method === 'down' ? new Status(503) : { result: { data: { ok: true } } }),
    });
    server = await startServer(
      testConfig((c) => {
        c.prometheus.enabled = true;
        c.prometheus.instrumentHttpHandlers = true;
        c.httpApi.key = API_KEY;
        c.channel.withoutNamespace = { ...c.channel.withoutNamespace, allowSubscribeForClient: true, allowPublishForClient: true };
        proxyConfig(c, backend.endpoint('rpc'));
      }),
    );
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
    await backend.close();
  });

  it('serves the Prometheus text format with Centrifugo metric names, and counts what happened', async () => {
    const before = await scrape(server.httpUrl);
    assert.equal(before.type('centrifugo_node_num_clients'), 'gauge');
    assert.equal(before.type('centrifugo_client_command_duration_seconds'), 'summary');
    assert.equal(before.type('centrifugo_client_command_duration_seconds_histogram'), 'histogram');
    assert.equal(before.type('centrifugo_api_command_duration_seconds_histogram'), 'histogram');
    assert.equal(before.type('process_cpu_seconds_total'), 'counter');
    assert.equal(before.value('centrifugo_node_build', { version: server.app.node.deps.version }), 1);
    assert.equal(before.value('centrifugo_node_num_clients'), 0);
    assert.equal(before.value('centrifugo_node_num_nodes'), 1);
    // The message types exist before the first message, as in the centrifuge library.
    assert.equal(before.samples('centrifugo_node_messages_sent_count').length, 4);

    // Three sessions of two users, JSON and protobuf, each subscribed to `news`.
    const users = ['alice', 'bob', 'bob'];
    const received: unknown[][] = [];
    for (const [i, user] of users.entries()) {
      const c = sdk(i === 2 ? 'protobuf' : 'json', server.url, { token: await connToken(user) });
      clients.push(c);
      const got: unknown[] = [];
      received.push(got);
      const sub = c.newSubscription('news');
      sub.on('publication', (ctx) => got.push(ctx.data));
      sub.subscribe();
      c.connect();
      await sub.ready(3000);
    }
    // Three publications through the API, one from a client, one the API refuses (unknown namespace).
    for (let n = 0; n < 3; n++) assert.ok((await api(server, 'publish', { channel: 'news', data: { n } })).result);
    await clients[0]!.publish('news', { n: 'sdk' });
    assert.equal((await api(server, 'publish', { channel: 'nowhere:x', data: {} })).error?.code, 102);
    await api(server, 'info', {});
    await until(() => received.every((r) => r.length === 4));
    // Two RPCs through the proxy: one answered, one the backend fails (503 → error 100 to the client).
    assert.deepEqual((await clients[0]!.rpc('echo', {})).data, { ok: true });
    await assert.rejects(clients[0]!.rpc('down', {}), (e: { code: number }) => e.code === 100);

    const m = await scrape(server.httpUrl);
    assert.equal(m.value('centrifugo_node_num_clients'), 3);
    assert.equal(m.value('centrifugo_node_num_users'), 2);
    assert.equal(m.value('centrifugo_node_num_subscriptions'), 3);
    assert.equal(m.value('centrifugo_node_num_channels'), 1);
    assert.equal(m.value('centrifugo_client_connections_accepted', { transport: 'websocket' }), 3);
    assert.equal(m.value('centrifugo_client_connections_inflight', { transport: 'websocket' }), 3);
    assert.equal(m.value('centrifugo_client_subscriptions_accepted'), 3);

    // Node ⇄ broker: four publications sent and received (one node); fan-out: 4 × 3 pushes.
    assert.equal(m.value('centrifugo_node_messages_sent_count', { type: 'publication' }), 4);
    assert.equal(m.value('centrifugo_node_messages_received_count', { type: 'publication' }), 4);
    assert.equal(assertHistogram(m, 'centrifugo_node_broadcast_duration_seconds', { type: 'publication' }), 4);
    assert.equal(m.value('centrifugo_transport_messages_sent', { transport: 'websocket', frame_type: 'push_publication' }), 12);
    assert.ok(m.value('centrifugo_transport_messages_sent_size', { transport: 'websocket', frame_type: 'push_publication' }) > 12 * 10);
    assert.equal(m.value('centrifugo_transport_messages_sent', { transport: 'websocket', frame_type: 'connect' }), 3);
    assert.equal(m.value('centrifugo_transport_messages_received', { transport: 'websocket', frame_type: 'connect' }), 3);
    assert.equal(m.value('centrifugo_transport_messages_received', { transport: 'websocket', frame_type: 'subscribe' }), 3);
    assert.equal(m.value('centrifugo_transport_messages_received', { transport: 'websocket', frame_type: 'publish' }), 1);

    // Client commands, timed, by method.
    const command = (method: string) => assertHistogram(m, 'centrifugo_client_command_duration_seconds_histogram', { method });
    assert.equal(command('connect'), 3);
    assert.equal(command('subscribe'), 3);
    assert.equal(command('publish'), 1);
    assert.equal(command('rpc'), 2);
    assert.equal(m.value('centrifugo_client_command_duration_seconds_count', { method: 'connect' }), 3);
    assert.equal(m.samples('centrifugo_client_command_duration_seconds', { method: 'connect', quantile: '0.99' }).length, 1);
    assert.equal(m.value('centrifugo_client_num_reply_errors', { method: 'rpc', code: '100' }), 1);

    // Server API calls by protocol and method, errors by code.
    assert.equal(assertHistogram(m, 'centrifugo_api_command_duration_seconds_histogram', { protocol: 'http', method: 'publish' }), 4);
    assert.equal(m.value('centrifugo_api_command_duration_seconds_count', { protocol: 'http', method: 'info' }), 1);
    assert.equal(m.value('centrifugo_api_command_errors_total', { protocol: 'http', method: 'publish', error: '102' }), 1);
    assert.equal(m.value('centrifugo_node_incoming_http_requests_total', { path: '/api', method: 'POST', status: '200' }), 5);

    // Proxy calls: Centrifugo's labels, Parsec's outcomes.
    const rpcProxy = { protocol: 'http', type: 'rpc', name: 'default' };
    assert.equal(assertHistogram(m, 'centrifugo_proxy_duration_seconds_histogram', rpcProxy), 2);
    assert.equal(m.value('centrifugo_proxy_errors', rpcProxy), 1);
    assert.equal(m.value('centrifugo_proxy_inflight_requests', rpcProxy), 0);
    assert.equal(m.value('parsec_proxy_calls_total', { type: 'rpc', name: 'default', outcome: 'ok' }), 1);
    assert.equal(m.value('parsec_proxy_calls_total', { type: 'rpc', name: 'default', outcome: 'status' }), 1);

    // Engine calls: every publish, timed.
    assert.equal(assertHistogram(m, 'parsec_engine_command_duration_seconds', { op: 'publish', outcome: 'ok' }), 4);
    assert.ok(m.value('parsec_engine_command_duration_seconds_count', { op: 'subscribe' }) >= 1);

    // No label carries a user or channel name.
    for (const f of m.families.values()) {
      for (const s of f.samples) for (const v of Object.values(s.labels)) assert.ok(!['alice', 'bob', 'news'].includes(v), `${s.name} has a label ${v}`);
    }
  });

  it('counts server disconnects and fleet operations; the gauges follow', async () => {
    const res = await api(server, 'disconnect', { user: 'bob' });
    assert.ok(res.result);
    await until(async () => (await scrape(server.httpUrl)).value('centrifugo_node_num_clients') === 1);
    const m = await scrape(server.httpUrl);
    assert.equal(m.value('centrifugo_node_num_users'), 1);
    assert.equal(m.value('centrifugo_client_connections_inflight'), 1);
    assert.equal(m.value('centrifugo_client_num_server_disconnects', { code: '3503' }), 2);
    assert.equal(assertHistogram(m, 'parsec_fleet_op_duration_seconds', { op: 'disconnect', target: 'user' }), 1);
  });
});

describe('/metrics with the token broker', () => {
  it('counts tokens issued, refused and revoked, and the JWKS fetches behind them', async (t) => {
    const { idp, key } = await startIdp();
    const server = await startServer(
      testConfig((c) => {
        enableBroker(c, idp.url);
        c.prometheus.enabled = true;
      }),
    );
    t.after(async () => {
      await server.close();
      await idp.close();
    });
    const bearer = await userToken(key, 'u-1');
    const first = await issue(server, bearer, ['team:a']);
    await issue(server, bearer, ['team:b']);
    assert.equal((await call(server, '/token', { bearer, body: { channels: ['ops:x'] } })).status, 403);
    assert.equal((await call(server, '/revoke', { bearer, body: { token_id: first.token_id } })).status, 200);
    const m = await scrape(server.httpUrl);
    assert.equal(m.value('parsec_token_broker_issued_total', { kind: 'token' }), 2);
    assert.equal(m.value('parsec_token_broker_refused_total', { kind: 'token', status: '403' }), 1);
    assert.equal(m.value('parsec_token_broker_revocations_total', { kind: 'token' }), 1);
    assert.equal(m.value('parsec_jwks_fetches_total', { use: 'token_broker', outcome: 'ok' }), 1);
    assert.equal(m.value('parsec_jwks_fetch_duration_seconds_count', { use: 'token_broker' }), 1);
  });
});

describe('/metrics off', () => {
  it('is not served unless prometheus.enabled, and handler_prefix moves it', async (t) => {
    const off = await startServer(testConfig());
    const moved = await startServer(
      testConfig((c) => {
        c.prometheus.enabled = true;
        c.prometheus.handlerPrefix = '/internal/metrics';
      }),
    );
    t.after(() => Promise.all([off.close(), moved.close()]));
    assert.equal((await fetch(`${off.httpUrl}/metrics`)).status, 404);
    assert.equal((await fetch(`${moved.httpUrl}/metrics`)).status, 404);
    assert.equal((await scrape(moved.httpUrl, '/internal/metrics')).value('centrifugo_node_num_nodes'), 1);
    assert.equal((await fetch(`${moved.httpUrl}/internal/metrics`, { method: 'POST' })).status, 405);
  });
});

describe('/metrics for the gRPC API', () => {
  it('counts its calls and errors under protocol "grpc"', async (t) => {
    const server = await startServer(
      testConfig((c) => {
        c.prometheus.enabled = true;
        c.grpcApi = { ...c.grpcApi, enabled: true, address: '127.0.0.1', port: 0, key: API_KEY };
      }),
    );
    const client = new Client(`127.0.0.1:${server.app.grpcPort!}`, credentials.createInsecure());
    t.after(async () => {
      client.close();
      await server.close();
    });
    const service = loadSync(protoPath('api.proto'), { keepCase: true, defaults: false, oneofs: true })['centrifugal.centrifugo.api.CentrifugoApi'];
    const call = (rpc: string, req: object): Promise<{ error?: { code: number } }> => {
      const m = service && !('format' in service) ? service[rpc] : undefined;
      if (!m || 'format' in m) throw new Error(`no rpc ${rpc}`);
      const md = new Metadata();
      md.set('authorization', `apikey ${API_KEY}`);
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, md, (err, res) => (err ? reject(err) : resolve(res as { error?: { code: number } })));
      });
    };
    await call('Info', {});
    await call('Info', {});
    assert.equal((await call('Publish', { channel: 'nowhere:x', data: Buffer.from('{}') })).error?.code, 102);
    const m = await scrape(server.httpUrl);
    assert.equal(assertHistogram(m, 'centrifugo_api_command_duration_seconds_histogram', { protocol: 'grpc', method: 'info' }), 2);
    assert.equal(m.value('centrifugo_api_command_errors_total', { protocol: 'grpc', method: 'publish', error: '102' }), 1);
    assert.equal(m.value('centrifugo_api_command_duration_seconds_count', { protocol: 'http' }), 0);
  });
});

describe('/metrics for the operator instruments', () => {
  it('counts rate-limit refusals by layer and command, blocks in force and the sessions they ended', async (t) => {
    const server = await startServer(
      testConfig((c) => {
        c.prometheus.enabled = true;
        c.httpApi.key = API_KEY;
        c.parsec.activity.enabled = true;
        c.channel.withoutNamespace = { ...c.channel.withoutNamespace, allowSubscribeForClient: true, allowPublishForClient: true };
        const cc = c.client.rateLimit.clientCommand;
        cc.enabled = true;
        cc.publish = { enabled: true, buckets: [{ interval: 3_600_000, rate: 1 }], namespaceOverrides: [] };
      }),
    );
    const client = sdk('json', server.url, { token: await connToken('carol') });
    t.after(async () => {
      client.disconnect();
      await server.close();
    });
    const before = await scrape(server.httpUrl);
    assert.equal(before.type('parsec_rate_limit_hits_total'), 'counter');
    assert.equal(before.samples('parsec_rate_limit_hits_total').length, 0);
    assert.equal(before.value('parsec_user_blocks'), 0);
    assert.equal(before.value('parsec_user_block_disconnects_total'), 0);
    assert.equal(before.value('parsec_activity_dropped_total'), 0);

    // One publish within the connection's bucket, two over it.
    client.connect();
    await client.ready(3000);
    await client.publish('news', { n: 1 });
    for (let n = 0; n < 2; n++) await assert.rejects(client.publish('news', { n }), (e: { code: number }) => e.code === 111);
    const limited = await scrape(server.httpUrl);
    assert.equal(limited.value('parsec_rate_limit_hits_total', { layer: 'client_command', command: 'publish', dry_run: 'false' }), 2);
    assert.equal(limited.samples('parsec_rate_limit_hits_total').length, 1);

    const ended = new Promise<{ code: number }>((resolve) => client.once('disconnected', resolve));
    assert.ok((await api(server, 'block_user', { user: 'carol' })).result);
    assert.equal((await ended).code, 3503);
    const blocked = await scrape(server.httpUrl);
    assert.equal(blocked.value('parsec_user_blocks'), 1);
    assert.equal(blocked.value('parsec_user_block_disconnects_total'), 1);
    assert.ok((await api(server, 'unblock_user', { user: 'carol' })).result);
    const lifted = await scrape(server.httpUrl);
    assert.equal(lifted.value('parsec_user_blocks'), 0);
    assert.equal(lifted.value('parsec_user_block_disconnects_total'), 1, 'a counter');
    assert.equal(lifted.value('parsec_activity_dropped_total'), 0);
    // The session's start and end reach the store in a batch within a flush interval (1 s).
    await until(async () => (await scrape(server.httpUrl)).value('parsec_activity_writes_total', { outcome: 'ok' }) >= 1);
    assert.equal((await scrape(server.httpUrl)).value('parsec_activity_writes_total', { outcome: 'error' }), 0);
    // No label carries a user or channel name.
    for (const f of lifted.families.values()) {
      for (const s of f.samples) for (const v of Object.values(s.labels)) assert.ok(!['carol', 'news'].includes(v), `${s.name} has a label ${v}`);
    }
  });
});

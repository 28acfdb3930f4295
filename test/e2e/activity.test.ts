import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { grpcApi } from '../helpers/grpc-api.js';
import { once, sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { postgresUrl, skipWithout } from '../helpers/services.js';
import { connToken, nowSec } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const KEY = 'activity-api-key';
const pgSkip = await skipWithout('Postgres', postgresUrl);

type Reply<T> = { result?: T; error?: { code: number; message: string } };
const api = async <T>(s: TestServer, method: string, body: object): Promise<Reply<T>> => {
  const r = await fetch(`${s.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify(body) });
  return JSON.parse(await r.text()) as Reply<T>;
};

interface SessionEntry {
  client: string;
  user: string;
  transport: string;
  protocol: string;
  remote_addr: string;
  labels: Record<string, string>;
  app_name: string;
  node: string;
  node_uid: string;
  connected_at: number;
  disconnected_at: number;
  disconnect_code: number;
  disconnect_reason: string;
}
interface ChannelEntry {
  channel: string;
  publications: number;
  deliveries: number;
  bytes: number;
  minutes: Array<{ minute: number; publications: number; deliveries: number; bytes: number }>;
}

/** The same story against the memory window and PostgreSQL. */
for (const store of ['memory', 'postgres'] as const) {
  describe(`activity in ${store}`, { skip: (store === 'postgres' && pgSkip) || undefined }, () => {
    const schema = `parsec_activity_e2e_${randomBytes(4).toString('hex')}`;
    let server: TestServer;
    let db: pg.Client | undefined;
    before(async () => {
      let dsn = '';
      if (store === 'postgres') {
        db = new pg.Client({ connectionString: postgresUrl });
        await db.connect();
        await db.query(`CREATE SCHEMA ${schema}`);
        const u = new URL(postgresUrl);
        u.searchParams.set('options', `-c search_path=${schema}`);
        dsn = u.toString();
      }
      server = await startServer(
        testConfig((c) => {
          c.httpApi.key = KEY;
          c.grpcApi = { ...c.grpcApi, enabled: true, address: '127.0.0.1', port: 0, key: KEY };
          c.parsec.store.postgresDsn = dsn;
          c.node.name = 'activity-node-1';
          c.channel.namespaces = [namespace('room', { allowSubscribeForClient: true })];
        }),
      );
    });
    after(async () => {
      await server.close();
      if (db) {
        await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await db.end();
      }
    });

    it('records a session\'s connect and disconnect, and a channel\'s publications and deliveries', async () => {
      const startedAt = nowSec();
      const c = sdk('json', server.url, { token: await connToken('ann', { labels: { region: 'eu' } }), name: 'web-app' });
      c.connect();
      await c.ready(3000);
      const sub = c.newSubscription('room:1');
      sub.subscribe();
      await sub.ready(3000);
      let got = 0;
      sub.on('publication', () => got++);
      for (let i = 0; i < 3; i++) await api(server, 'publish', { channel: 'room:1', data: { n: i } });
      await until(() => got === 3);

      const open = await api<{ sessions: SessionEntry[] }>(server, 'activity_sessions', { user: 'ann', open_only: true });
      assert.equal(open.result?.sessions.length, 1);
      const s = open.result!.sessions[0]!;
      assert.deepEqual(
        { user: s.user, transport: s.transport, protocol: s.protocol, labels: s.labels, app_name: s.app_name, disconnected_at: s.disconnected_at },
        { user: 'ann', transport: 'websocket', protocol: 'json', labels: { region: 'eu' }, app_name: 'web-app', disconnected_at: 0 },
      );
      assert.equal(s.remote_addr, '127.0.0.1');
      // The node as `info` names it, and its uid beside (names may repeat across restarts).
      const node = (await api<{ nodes: Array<{ uid: string; name: string }> }>(server, 'info', {})).result!.nodes[0]!;
      assert.deepEqual({ node: s.node, node_uid: s.node_uid }, { node: 'activity-node-1', node_uid: node.uid });
      assert.equal(node.name, 'activity-node-1');
      assert.ok(s.connected_at >= startedAt - 1 && s.connected_at <= nowSec() + 1);

      const gone = once(c, 'disconnected');
      c.disconnect();
      await gone;
      await until(async () => ((await api<{ sessions: SessionEntry[] }>(server, 'activity_sessions', { user: 'ann' })).result?.sessions[0]?.disconnect_code ?? 0) !== 0);
      const closed = (await api<{ sessions: SessionEntry[] }>(server, 'activity_sessions', { user: 'ann' })).result!.sessions[0]!;
      assert.equal(closed.client, s.client);
      assert.ok(closed.disconnected_at >= closed.connected_at);
      assert.ok(closed.disconnect_code >= 3000, `code ${closed.disconnect_code}`);
      assert.deepEqual((await api<{ sessions: SessionEntry[] }>(server, 'activity_sessions', { user: 'ann', open_only: true })).result?.sessions, []);

      const channels = await api<{ channels: ChannelEntry[]; dropped: number }>(server, 'activity_channels', { channel_prefix: 'room:' });
      const bytes = [0, 1, 2].reduce((n, i) => n + JSON.stringify({ n: i }).length, 0);
      assert.deepEqual(
        channels.result?.channels.map((ch) => ({ channel: ch.channel, publications: ch.publications, deliveries: ch.deliveries, bytes: ch.bytes })),
        [{ channel: 'room:1', publications: 3, deliveries: 3, bytes }],
      );
      assert.equal(channels.result?.channels[0]?.minutes.reduce((n, m) => n + m.publications, 0), 3);
      assert.equal(channels.result?.dropped, 0);
      const client = grpcApi(server.app.grpcPort!, KEY);
      try {
        const viaGrpc = await client.rpc<{ result: { sessions: Array<{ client: string; labels: Record<string, string>; node: string; node_uid: string }> } }>('ActivitySessions', { user: 'ann' });
        assert.deepEqual(viaGrpc.result.sessions.map((x) => [x.client, x.labels, x.node, x.node_uid]), [[s.client, { region: 'eu' }, 'activity-node-1', s.node_uid]]);
        const top = await client.rpc<{ result: { channels: Array<{ channel: string; publications: number }> } }>('ActivityChannels', { channel_prefix: 'room:', top: 5 });
        assert.deepEqual(top.result.channels.map((x) => [x.channel, x.publications]), [['room:1', 3]]);
      } finally {
        client.close();
      }
      if (db) {
        const { rows } = await db.query(`SELECT user_id, disconnect_code FROM ${schema}.parsec_activity_sessions`);
        assert.deepEqual(rows.map((r) => r.user_id), ['ann']);
      }
    });
  });
}

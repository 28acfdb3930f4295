import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { API_KEY, call, enableBroker } from '../../helpers/broker.js';
import { connectMqtt, device, disconnection, mqttConfig, refusal, startMqttServer, suback, type MqttTestServer } from '../../helpers/mqtt.js';
import { connToken } from '../../helpers/tokens.js';

describe('MQTT front door: credentials, revocation and fleet operations', () => {
  let server: MqttTestServer;
  const api = async (method: string, body: unknown): Promise<Record<string, unknown>> => {
    const r = await fetch(`${server.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': API_KEY }, body: JSON.stringify(body) });
    return (await r.json()) as Record<string, unknown>;
  };
  before(async () => {
    // The IdP is never asked: credentials and revocations are operator routes (API key).
    server = await startMqttServer(
      mqttConfig((c) => {
        enableBroker(c, 'http://127.0.0.1:9/jwks');
        c.client.expiredCloseDelay = 50;
      }),
    );
  });
  after(() => server.close());

  it('/parsec/credentials issues tokens with ACL lists and objects that MQTT clients connect with', async (t) => {
    const acl = { publish: ['telemetry/{sub}/#'], subscribe: ['commands/{sub}', 'broadcast/#'] };
    const r = await call<Record<string, string>>(server, '/credentials', { apiKey: API_KEY, body: { client_ids: ['meter-1'], topic_acl: acl } });
    assert.equal(r.status, 200);
    const token = r.body['meter-1']!;
    assert.deepEqual(decodeJwt(token).topicAcl, acl);
    const listed = await call<Record<string, string>>(server, `/credentials?topicAcl=${encodeURIComponent('["a/+","b/#"]')}`, { apiKey: API_KEY });
    assert.deepEqual(decodeJwt(Object.values(listed.body)[0]!).topicAcl, ['a/+', 'b/#']);
    const bad = await call<{ error: string }>(server, '/credentials', { apiKey: API_KEY, body: { topic_acl: ['a/#/b'] } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /topic_acl/);

    const c = await connectMqtt(server.mqttUrl, { protocolVersion: 5, clientId: 'meter-1', username: 'meter-1', password: token });
    t.after(() => c.endAsync());
    assert.deepEqual(await suback(c, { 'commands/meter-1': { qos: 1 }, 'broadcast/x/y': { qos: 0 }, 'telemetry/meter-1/x': { qos: 0 } }), [1, 0, 0x87]);
  });

  it('a revoked jti closes the live MQTT 5 session with 0x98 and refuses its reconnect', async (t) => {
    const r = await call<Record<string, string>>(server, '/credentials', { apiKey: API_KEY, body: { client_ids: ['meter-2'] } });
    const token = r.body['meter-2']!;
    const jti = decodeJwt(token).jti as string;
    const opts = { clientId: 'meter-2', username: 'meter-2', password: token };
    const c5 = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...opts });
    const closed = disconnection(c5);
    const started = performance.now();
    const revoked = await call(server, `/revocations?jti=${jti}`, { apiKey: API_KEY });
    assert.equal(revoked.status, 200);
    const { reasonCode } = await closed;
    const latency = performance.now() - started;
    t.diagnostic(`revocation → MQTT disconnect: ${latency.toFixed(1)} ms`);
    assert.equal(reasonCode, 0x98);
    assert.equal(await refusal(connectMqtt(server.mqttUrl, { protocolVersion: 5, ...opts })), 0x87);
    assert.equal(await refusal(connectMqtt(server.mqttUrl, { protocolVersion: 4, ...opts })), 5);
  });

  it('the server API lists MQTT sessions with transport mqtt and disconnects them by user and by label', async (t) => {
    const a = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...(await device('pump-1', '#', { labels: { site: 'north' } })) });
    const b = await connectMqtt(server.mqttUrl, { protocolVersion: 4, ...(await device('pump-2', '#', { labels: { site: 'south' } })) });
    t.after(() => Promise.all([a.endAsync(), b.endAsync()]));
    const listing = (await api('connections', { label_filter: { key: 'site', cmp: 'in', vals: ['north', 'south'] } })).result as { connections: Record<string, { user: string; transport: string; labels: Record<string, string> }> };
    const rows = Object.values(listing.connections).map((c) => [c.user, c.transport, c.labels.site]).sort();
    assert.deepEqual(rows, [
      ['pump-1', 'mqtt', 'north'],
      ['pump-2', 'mqtt', 'south'],
    ]);
    const aClosed = disconnection(a);
    const byLabel = await api('disconnect', { all_users: true, label_filter: { key: 'site', cmp: 'eq', val: 'north' } });
    assert.deepEqual(byLabel, { result: { affected: 1 } });
    assert.equal((await aClosed).reasonCode, 0x98);
    const bClosed = disconnection(b);
    await api('disconnect', { user: 'pump-2' });
    await bClosed;
    assert.equal(b.connected, false);
  });

  it('the connections listing shows an MQTT session\'s filters as channels, wildcard filters with their + and #', async (t) => {
    const c = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...(await device('lister-1')) });
    t.after(() => c.endAsync());
    await c.subscribeAsync({ 'pump/1/state': { qos: 1 }, 'pump/+/alarm': { qos: 0 }, 'site/#': { qos: 0 } });
    // Centrifugo's ConnectionInfo keeps a connection's channels as the keys of `state.channels`.
    const channels = async (): Promise<string[]> => {
      const listing = (await api('connections', { user: 'lister-1' })).result as { connections: Record<string, { state: { channels: Record<string, unknown> } }> };
      return Object.values(listing.connections).flatMap((e) => Object.keys(e.state.channels)).sort();
    };
    assert.deepEqual(await channels(), ['mqtt:pump/+/alarm', 'mqtt:pump/1/state', 'mqtt:site/#']);
    await c.unsubscribeAsync('pump/+/alarm');
    assert.deepEqual(await channels(), ['mqtt:pump/1/state', 'mqtt:site/#']);
  });

  it('a token that expires closes its MQTT 5 session with 0x87 (not authorized)', async (t) => {
    const token = await connToken('short-lived', { topicAcl: '#', exp: Math.floor(Date.now() / 1000) + 1 });
    const c = await connectMqtt(server.mqttUrl, { protocolVersion: 5, clientId: 'short-lived', username: 'short-lived', password: token });
    t.after(() => c.endAsync(true));
    assert.equal((await disconnection(c)).reasonCode, 0x87);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_KEY, collect, connectMqtt, device, disconnection, mqttConfig, startMqttServer, type MqttTestServer } from '../../helpers/mqtt.js';
import { randomPrefix, redisUrl, skipWithout } from '../../helpers/services.js';
import { until } from '../../helpers/until.js';
import { decodeJwt } from 'jose';
import type { Packet } from 'mqtt-packet';
import { RawMqtt } from '../../helpers/mqtt-raw.js';
import { call, enableBroker } from '../../helpers/broker.js';
import type { PublicationFanout, Subscriber } from '../../../src/node/index.js';
import { TopicSpace } from '../../../src/transport/mqtt/topics.js';

const skip = await skipWithout('Redis', redisUrl);

/** A raw MQTT 5 client on `server` with a persistent session (expiry 300 s) subscribed to `filter` at QoS 1; `connect` makes its CONNECT again. */
async function persistentOn(server: MqttTestServer, id: string, filter: string): Promise<{ connect: () => Packet; onA: RawMqtt }> {
  const { password } = await device(id);
  const connect = (): Packet => ({ cmd: 'connect', protocolVersion: 5, clientId: id, username: id, password: Buffer.from(String(password)), clean: false, keepalive: 0, properties: { sessionExpiryInterval: 300 } });
  const onA = await RawMqtt.open(server.app.mqtt!.port, 5);
  onA.send(connect());
  await onA.next('connack');
  onA.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 1 }] });
  await onA.next('suback');
  return { connect, onA };
}

/** Two nodes sharing one Redis: MQTT clients on either see one broker. */
describe('MQTT front door: two nodes on the Redis engine', { skip: skip || undefined }, () => {
  let a: MqttTestServer;
  let b: MqttTestServer;
  before(async () => {
    const prefix = randomPrefix('mqtt');
    const config = () =>
      mqttConfig((c) => {
        c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [redisUrl], prefix } };
        // The IdP is never asked: credentials and revocations are operator routes (API key).
        enableBroker(c, 'http://127.0.0.1:9/jwks');
        c.httpApi.key = API_KEY;
        c.parsec.tokenBroker.revocations.store = 'redis';
      });
    a = await startMqttServer(config());
    b = await startMqttServer(config());
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  it('wildcard subscribers on one node get what MQTT and the server API publish on the other', async (t) => {
    const sub = await connectMqtt(a.mqttUrl, { protocolVersion: 5, ...(await device('c-sub')) });
    const pub = await connectMqtt(b.mqttUrl, { protocolVersion: 4, ...(await device('c-pub')) });
    t.after(() => Promise.all([sub.endAsync(), pub.endAsync()]));
    const got = collect(sub);
    await sub.subscribeAsync({ 'plant/+/pressure': { qos: 1 }, '#': { qos: 0 } });
    await pub.publishAsync('plant/p1/pressure', '7', { qos: 1 });
    await b.api('publish', { channel: 'mqtt:other/x', data: 1 });
    await until(() => new Set(got.map((m) => m.topic)).size === 2);
    assert.ok(got.some((m) => m.topic === 'plant/p1/pressure' && m.qos === 1));
    assert.ok(got.some((m) => m.topic === 'other/x'));
  });

  it('a CONNECT on one node takes over the same client id on the other', async (t) => {
    const first = await connectMqtt(a.mqttUrl, { protocolVersion: 5, ...(await device('roamer')) });
    const closed = disconnection(first);
    const second = await connectMqtt(b.mqttUrl, { protocolVersion: 5, ...(await device('roamer')) });
    t.after(() => second.endAsync());
    assert.equal((await closed).reasonCode, 0x8e);
    assert.equal(second.connected, true);
  });

  it('a revocation on one node closes the MQTT session on the other (0x98) and its reconnects anywhere', async (t) => {
    const issued = await call<Record<string, string>>(b, '/credentials', { apiKey: API_KEY, body: { client_ids: ['far-1'] } });
    const token = issued.body['far-1']!;
    const opts = { protocolVersion: 5 as const, clientId: 'far-1', username: 'far-1', password: token };
    const c = await connectMqtt(a.mqttUrl, opts);
    const closed = disconnection(c);
    const started = performance.now();
    assert.equal((await call(b, `/revocations?jti=${decodeJwt(token).jti as string}`, { apiKey: API_KEY })).status, 200);
    assert.equal((await closed).reasonCode, 0x98);
    t.diagnostic(`revocation on node B → MQTT disconnect on node A: ${(performance.now() - started).toFixed(1)} ms`);
    await assert.rejects(connectMqtt(a.mqttUrl, opts), (err: { code?: number }) => err.code === 0x87);
    await assert.rejects(connectMqtt(b.mqttUrl, opts), (err: { code?: number }) => err.code === 0x87);
  });

  it('a persistent session moves with its client to the other node: subscriptions, queued and unacknowledged QoS 1', async () => {
    const { connect, onA } = await persistentOn(a, 'traveller', 'orders/+');
    await b.api('publish', { channel: 'mqtt:orders/1', data: 'first' });
    assert.equal((await onA.next('publish')).topic, 'orders/1');
    onA.close();
    await onA.waitClosed();
    // An observer on node A listening through the same bucket: once it has the message, so has the session's queue.
    const observer = await connectMqtt(a.mqttUrl, { protocolVersion: 5, ...(await device('observer')) });
    const seen = collect(observer);
    await observer.subscribeAsync('orders/+', { qos: 0 });
    await b.api('publish', { channel: 'mqtt:orders/2', data: 'second' });
    await until(() => seen.length === 1);
    await observer.endAsync();
    const onB = await RawMqtt.open(b.app.mqtt!.port, 5);
    try {
      onB.send(connect());
      assert.equal((await onB.next('connack')).sessionPresent, true);
      const again = await onB.next('publish');
      const queued = await onB.next('publish');
      assert.deepEqual([again.topic, String(again.payload), again.dup], ['orders/1', '"first"', true]);
      assert.deepEqual([queued.topic, String(queued.payload), queued.dup], ['orders/2', '"second"', false]);
      onB.send({ cmd: 'puback', messageId: again.messageId });
      onB.send({ cmd: 'puback', messageId: queued.messageId });
      // The subscription moved too: publications now reach the client on node B.
      await a.api('publish', { channel: 'mqtt:orders/3', data: 'third' });
      assert.equal((await onB.next('publish')).topic, 'orders/3');
      onB.send({ cmd: 'disconnect', properties: { sessionExpiryInterval: 0 } });
      await onB.waitClosed();
    } finally {
      onB.close();
    }
  });

  it('QoS 1 messages published while a persistent session moves between nodes reach the client on the new node', async (t) => {
    const { connect, onA } = await persistentOn(a, 'mover', 'moves/+');
    onA.close();
    await onA.waitClosed();
    // Publishes from inside the move: when node A hands the session's state out (its filters
    // no longer count for the client on A) and when node B says it listens.
    const { node } = a.app;
    const { handoffChannel } = new TopicSpace('mqtt', ':', '$');
    const during: Promise<unknown>[] = [];
    const publishOn = (topic: string) => during.push(node.publish(node.rules.resolve(`mqtt:${topic}`), Buffer.from(JSON.stringify(topic))));
    const spy: Subscriber = {
      client: { id: 'handoff-spy', user: '', labels: undefined },
      pushJoinLeave: false,
      compact: false,
      deliverPublication(f: PublicationFanout) {
        const notice = JSON.parse(Buffer.from(f.pub.data).toString()) as Record<string, unknown>;
        if (notice.s) publishOn('moves/at-state');
        if (notice.ack) publishOn('moves/at-ack');
      },
      deliverPush() {},
      checkPosition() {},
    };
    await node.addSubscriber(handoffChannel, spy);
    t.after(() => node.removeSubscriber(handoffChannel, spy));
    const onB = await RawMqtt.open(b.app.mqtt!.port, 5);
    t.after(() => onB.close());
    onB.send(connect());
    assert.equal((await onB.next('connack')).sessionPresent, true);
    const topics = new Set<string>();
    while (topics.size < 2) {
      const p = await onB.next('publish');
      assert.equal(p.qos, 1);
      topics.add(p.topic);
      onB.send({ cmd: 'puback', messageId: p.messageId });
    }
    await Promise.all(during);
    assert.deepEqual([...topics].sort(), ['moves/at-ack', 'moves/at-state']);
    onB.send({ cmd: 'disconnect', properties: { sessionExpiryInterval: 0 } });
    await onB.waitClosed();
  });

  it('retained messages are kept in Redis and served by every node', async (t) => {
    const pub = await connectMqtt(a.mqttUrl, { protocolVersion: 5, ...(await device('r-pub')) });
    await pub.publishAsync('state/door', 'locked', { qos: 1, retain: true });
    await pub.endAsync();
    const sub = await connectMqtt(b.mqttUrl, { protocolVersion: 4, ...(await device('r-sub')) });
    t.after(() => sub.endAsync());
    const got = collect(sub);
    await sub.subscribeAsync('state/+', { qos: 1 });
    await until(() => got.length === 1);
    assert.deepEqual([got[0]!.topic, got[0]!.payload, got[0]!.retain], ['state/door', 'locked', true]);
  });

  it('a retained message keeps its MQTT 5 expiry in Redis: another node sends it with the interval left', async (t) => {
    const pub = await connectMqtt(a.mqttUrl, { protocolVersion: 5, ...(await device('rx-pub')) });
    t.after(() => pub.publishAsync('state/valve', '', { retain: true }).then(() => pub.endAsync()));
    await pub.publishAsync('state/valve', 'open', { qos: 1, retain: true, properties: { messageExpiryInterval: 300 } });
    const sub = await connectMqtt(b.mqttUrl, { protocolVersion: 5, ...(await device('rx-sub')) });
    t.after(() => sub.endAsync());
    const left: (number | undefined)[] = [];
    sub.on('message', (_topic, payload, p) => left.push(payload.toString() === 'open' && p.retain ? p.properties?.messageExpiryInterval : -1));
    await sub.subscribeAsync('state/valve', { qos: 1 });
    await until(() => left.length === 1);
    assert.ok(left[0]! > 290 && left[0]! <= 300, `interval left ${left[0]}`);
  });
});

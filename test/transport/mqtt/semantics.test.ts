import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collect, connectMqtt, device, disconnection, mqttConfig, startMqttServer, type MqttTestServer } from '../../helpers/mqtt.js';
import type { Packet } from 'mqtt-packet';
import { RawMqtt } from '../../helpers/mqtt-raw.js';
import { until } from '../../helpers/until.js';

describe('MQTT front door: MQTT semantics on one node', () => {
  let server: MqttTestServer;
  before(async () => {
    server = await startMqttServer(mqttConfig());
  });
  after(() => server.close());

  it('wildcard filters (+ and #) receive what matches, from MQTT and the server API, once per message', async (t) => {
    const sub = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...(await device('wild-sub')) });
    const pub = await connectMqtt(server.mqttUrl, { protocolVersion: 4, ...(await device('wild-pub')) });
    t.after(() => Promise.all([sub.endAsync(), pub.endAsync()]));
    const got = collect(sub);
    await sub.subscribeAsync({ 'home/+/temp': { qos: 0 }, 'home/#': { qos: 1 }, '+/garage/door': { qos: 0 } });
    await pub.publishAsync('home/kitchen/temp', '21', { qos: 1 });
    await pub.publishAsync('home/garage/door', 'open', { qos: 1 });
    await pub.publishAsync('office/garage/door', 'shut', { qos: 1 });
    await pub.publishAsync('elsewhere/x', 'no', { qos: 1 });
    await server.api('publish', { channel: 'mqtt:home/hall/light', data: 'on' });
    const distinct = (): string[] => [...new Set(got.map((m) => `${m.topic}=${m.payload}`))].sort();
    await until(() => distinct().length === 4);
    assert.deepEqual(distinct(), ['home/garage/door=open', 'home/hall/light="on"', 'home/kitchen/temp=21', 'office/garage/door=shut']);
    // Filters sharing a first level listen together: a message they both match comes once, at the higher QoS.
    assert.deepEqual(
      got.filter((m) => m.topic === 'home/kitchen/temp').map((m) => m.qos),
      [1],
    );
    // home/# and +/garage/door listen on different buckets: MQTT allows a copy per matching filter.
    assert.ok(got.filter((m) => m.topic === 'home/garage/door').length <= 2);
    await sub.unsubscribeAsync(['home/#', 'home/+/temp']);
    const before = got.length;
    await pub.publishAsync('home/kitchen/temp', '22', { qos: 1 });
    await pub.publishAsync('x/garage/door', 'still', { qos: 1 });
    await until(() => got.length === before + 1);
    assert.equal(got[before]!.topic, 'x/garage/door');
  });

  for (const protocolVersion of [4, 5] as const) {
    it(`MQTT ${protocolVersion}: a second CONNECT with the same client id takes the session over`, async (t) => {
      const opts = { protocolVersion, ...(await device(`twin-${protocolVersion}`)) };
      const first = await connectMqtt(server.mqttUrl, opts);
      const firstClosed = disconnection(first);
      const second = await connectMqtt(server.mqttUrl, opts);
      t.after(() => second.endAsync());
      const { reasonCode } = await firstClosed;
      if (protocolVersion === 5) assert.equal(reasonCode, 0x8e);
      assert.equal(second.connected, true);
      const got = collect(second);
      await second.subscribeAsync('twin/x', { qos: 1 });
      await server.api('publish', { channel: 'mqtt:twin/x', data: 1 });
      await until(() => got.length === 1);
    });
  }

  it('QoS 2 publishes are accepted once (PUBREC/PUBREL/PUBCOMP) and delivered at the granted QoS', async (t) => {
    const sub = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...(await device('q2-sub')) });
    const pub = await connectMqtt(server.mqttUrl, { protocolVersion: 4, ...(await device('q2-pub')) });
    t.after(() => Promise.all([sub.endAsync(), pub.endAsync()]));
    const got = collect(sub);
    const [granted] = await sub.subscribeAsync('exactly/once', { qos: 2 });
    assert.equal(granted!.qos, 1);
    await pub.publishAsync('exactly/once', 'x', { qos: 2 });
    await until(() => got.length === 1);
    assert.equal(got[0]!.qos, 1);
  });

  it('the will goes out when a client vanishes, not after a clean DISCONNECT', async (t) => {
    const watcher = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...(await device('will-watch')) });
    t.after(() => watcher.endAsync());
    const got = collect(watcher);
    await watcher.subscribeAsync('status/#', { qos: 1 });
    const will = { topic: 'status/dev-a', payload: Buffer.from('gone'), qos: 1 as const, retain: false };
    const clean = await connectMqtt(server.mqttUrl, { protocolVersion: 5, will, ...(await device('dev-a')) });
    await clean.endAsync();
    const vanishing = await connectMqtt(server.mqttUrl, { protocolVersion: 4, will: { ...will, topic: 'status/dev-b' }, ...(await device('dev-b')) });
    (vanishing as unknown as { stream: { destroy(): void } }).stream.destroy();
    await until(() => got.length === 1);
    assert.deepEqual([got[0]!.topic, got[0]!.payload], ['status/dev-b', 'gone']);
  });

  it('keepalive: a client silent for 1.5 × its keepalive is closed', async () => {
    const c = await connectMqtt(server.mqttUrl, { protocolVersion: 5, keepalive: 1, ...(await device('sleepy')) });
    // MQTT.js would ping; stop it so the client falls silent.
    const internal = c as unknown as { _destroyKeepaliveManager?: () => void; pingTimer?: { clear?: () => void } };
    internal._destroyKeepaliveManager?.();
    const started = performance.now();
    const { reasonCode } = await disconnection(c);
    const waited = performance.now() - started;
    assert.equal(reasonCode, 0x8d);
    assert.ok(waited >= 1000, `closed after ${waited.toFixed(0)} ms, before the keepalive allowed`);
  });

  it('a retained message is delivered on subscribe (with RETAIN) and cleared by an empty retained publish', async (t) => {
    const pub = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...(await device('ret-pub')) });
    t.after(() => pub.endAsync());
    await pub.publishAsync('config/led', 'blue', { qos: 1, retain: true });
    await pub.publishAsync('config/fan', 'off', { qos: 0, retain: true });
    const a = await connectMqtt(server.mqttUrl, { protocolVersion: 4, ...(await device('ret-a')) });
    const got = collect(a);
    await a.subscribeAsync('config/#', { qos: 1 });
    await until(() => got.length === 2);
    assert.deepEqual(got.map((m) => [m.topic, m.payload, m.retain]).sort(), [
      ['config/fan', 'off', true],
      ['config/led', 'blue', true],
    ]);
    await a.endAsync();
    await pub.publishAsync('config/led', '', { qos: 1, retain: true });
    const b = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...(await device('ret-b')) });
    t.after(() => b.endAsync());
    const gotB = collect(b);
    await b.subscribeAsync('config/led', { qos: 1 });
    await b.subscribeAsync('config/fan', { qos: 1 });
    await until(() => gotB.length === 1);
    assert.equal(gotB[0]!.topic, 'config/fan');
  });

  for (const version of [4, 5] as const) {
    it(`MQTT ${version}: a persistent session keeps subscriptions and redelivers unacknowledged QoS 1 with DUP`, async () => {
      const id = `persist-${version}`;
      const { password } = await device(id);
      const connect = (): Packet => ({
        cmd: 'connect',
        protocolVersion: version,
        clientId: id,
        username: id,
        password: Buffer.from(String(password)),
        clean: false,
        keepalive: 0,
        properties: version === 5 ? { sessionExpiryInterval: 60 } : undefined,
      });
      const first = await RawMqtt.open(server.app.mqtt!.port, version);
      first.send(connect());
      assert.equal((await first.next('connack')).sessionPresent, false);
      first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'jobs/+', qos: 1 }] });
      await first.next('suback');
      await server.api('publish', { channel: 'mqtt:jobs/1', data: 'one' });
      // Received, never acknowledged: the connection drops with it in flight.
      assert.equal((await first.next('publish')).topic, 'jobs/1');
      first.close();
      await first.waitClosed();
      // The server has seen the close too (else the next message goes out on the dead connection, in flight, not queued).
      await until(async () => {
        const listing = (await server.api('connections', { user: id })).result as { connections: Record<string, unknown> };
        return Object.keys(listing.connections).length === 0;
      });
      // Published while the client is away: queued for it.
      await server.api('publish', { channel: 'mqtt:jobs/2', data: 'two' });
      const second = await RawMqtt.open(server.app.mqtt!.port, version);
      try {
        second.send(connect());
        assert.equal((await second.next('connack')).sessionPresent, true);
        const again = await second.next('publish');
        const queued = await second.next('publish');
        assert.deepEqual([again.topic, String(again.payload), again.dup], ['jobs/1', '"one"', true]);
        assert.deepEqual([queued.topic, String(queued.payload), queued.dup], ['jobs/2', '"two"', false]);
        second.send({ cmd: 'puback', messageId: again.messageId });
        second.send({ cmd: 'puback', messageId: queued.messageId });
        // A clean start drops the session.
        second.send({ cmd: 'disconnect' });
        await second.waitClosed();
      } finally {
        second.close();
      }
      const third = await RawMqtt.open(server.app.mqtt!.port, version);
      third.send({ ...connect(), clean: true } as Packet);
      assert.equal((await third.next('connack')).sessionPresent, false);
      third.close();
    });
  }
});

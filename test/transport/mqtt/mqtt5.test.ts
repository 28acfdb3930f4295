import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt, { type IPublishPacket } from 'mqtt';
import { collect, connectMqtt, connectWithAck, device, disconnection, mqttConfig, startMqttServer, type MqttTestServer } from '../../helpers/mqtt.js';
import { RawMqtt } from '../../helpers/mqtt-raw.js';
import { until } from '../../helpers/until.js';

const v5 = { protocolVersion: 5 as const };
/** Lets an expiry or delay of `seconds` pass (these features are about time passing). */
const pass = (seconds: number): Promise<void> => new Promise((r) => setTimeout(r, seconds * 1000 + 300));

describe('MQTT front door: MQTT 5 features', () => {
  let server: MqttTestServer;
  before(async () => {
    server = await startMqttServer(mqttConfig());
  });
  after(() => server.close());

  it('the CONNACK says what is supported', async (t) => {
    const { client, connack } = await connectWithAck(server.mqttUrl, { ...v5, ...(await device('caps')) });
    t.after(() => client.endAsync());
    const p = connack.properties!;
    assert.equal(p.topicAliasMaximum, 64);
    assert.equal(p.subscriptionIdentifiersAvailable, true);
    assert.equal(p.sharedSubscriptionAvailable, false);
    assert.equal(p.wildcardSubscriptionAvailable, true);
    assert.equal(p.retainAvailable, true);
    // Absent: QoS 2 publishes are accepted.
    assert.equal(p.maximumQoS, undefined);
  });

  it('topic aliases from the client name the topic of later PUBLISH packets; an alias out of range closes with 0x94', async (t) => {
    const sub = await connectMqtt(server.mqttUrl, { ...v5, ...(await device('alias-sub')) });
    // MQTT.js assigns aliases itself (up to the CONNACK's maximum) and sends empty topics after the first use.
    const pub = await connectMqtt(server.mqttUrl, { ...v5, ...(await device('alias-pub')), autoAssignTopicAlias: true });
    t.after(() => Promise.all([sub.endAsync(), pub.endAsync()]));
    const got = collect(sub);
    await sub.subscribeAsync('alias/#', { qos: 1 });
    const sent: IPublishPacket[] = [];
    pub.on('packetsend', (p) => p.cmd === 'publish' && sent.push(p as IPublishPacket));
    for (const n of [1, 2, 3]) await pub.publishAsync('alias/long/topic/name', String(n), { qos: 1 });
    await until(() => got.length === 3);
    assert.deepEqual(got.map((m) => `${m.topic}=${m.payload}`), ['alias/long/topic/name=1', 'alias/long/topic/name=2', 'alias/long/topic/name=3']);
    assert.equal(sent.at(-1)!.topic, '', 'the later publishes went by alias only');
    const raw = await RawMqtt.open(server.app.mqtt!.port, 5);
    t.after(() => raw.close());
    const { password } = await device('alias-bad');
    raw.send({ cmd: 'connect', protocolVersion: 5, clientId: 'alias-bad', username: 'alias-bad', password: Buffer.from(String(password)), clean: true, keepalive: 0 });
    await raw.next('connack');
    raw.send({ cmd: 'publish', topic: 'alias/x', payload: Buffer.from('1'), qos: 0, dup: false, retain: false, properties: { topicAlias: 65 } });
    assert.equal((await raw.next('disconnect')).reasonCode, 0x94);
  });

  it('subscription identifiers come back with every message the filters match', async (t) => {
    const sub = await connectMqtt(server.mqttUrl, { ...v5, ...(await device('sid-sub')) });
    t.after(() => sub.endAsync());
    const ids: unknown[] = [];
    sub.on('message', (_topic, _payload, p) => ids.push(p.properties?.subscriptionIdentifier));
    await sub.subscribeAsync('sid/+', { qos: 1, properties: { subscriptionIdentifier: 7 } });
    await sub.subscribeAsync('sid/#', { qos: 0, properties: { subscriptionIdentifier: 9 } });
    await sub.subscribeAsync('plain/x', { qos: 0 });
    await server.api('publish', { channel: 'mqtt:sid/a', data: 1 });
    await server.api('publish', { channel: 'mqtt:plain/x', data: 2 });
    await until(() => ids.length === 2);
    assert.deepEqual([[...(ids[0] as number[])].sort(), ids[1]], [[7, 9], undefined]);
  });

  it('no local: a client does not get back what it published itself', async (t) => {
    const self = await connectMqtt(server.mqttUrl, { ...v5, ...(await device('nl-self')) });
    const other = await connectMqtt(server.mqttUrl, { ...v5, ...(await device('nl-other')) });
    t.after(() => Promise.all([self.endAsync(), other.endAsync()]));
    const got = collect(self);
    await self.subscribeAsync('nl/x', { qos: 1, nl: true });
    await self.publishAsync('nl/x', 'mine', { qos: 1 });
    await other.publishAsync('nl/x', 'theirs', { qos: 1 });
    await until(() => got.length === 1);
    assert.equal(got[0]!.payload, 'theirs');
  });

  it('retain as published keeps the RETAIN flag on live messages; other subscriptions get it cleared', async (t) => {
    const rap = await connectMqtt(server.mqttUrl, { ...v5, ...(await device('rap-on')) });
    const plain = await connectMqtt(server.mqttUrl, { ...v5, ...(await device('rap-off')) });
    const pub = await connectMqtt(server.mqttUrl, { ...v5, ...(await device('rap-pub')) });
    t.after(() => Promise.all([rap.endAsync(), plain.endAsync(), pub.publishAsync('rap/state', '', { retain: true }).then(() => pub.endAsync())]));
    const gotRap = collect(rap);
    const gotPlain = collect(plain);
    await rap.subscribeAsync('rap/+', { qos: 1, rap: true });
    await plain.subscribeAsync('rap/+', { qos: 1 });
    await pub.publishAsync('rap/state', 'on', { qos: 1, retain: true });
    await until(() => gotRap.length === 1 && gotPlain.length === 1);
    assert.deepEqual([gotRap[0]!.retain, gotPlain[0]!.retain], [true, false]);
  });

  it('retain handling: 0 sends retained messages on every subscribe, 1 only on a new one, 2 never', async (t) => {
    const pub = await connectMqtt(server.mqttUrl, { ...v5, ...(await device('rh-pub')) });
    const sub = await connectMqtt(server.mqttUrl, { ...v5, ...(await device('rh-sub')) });
    t.after(() => Promise.all([sub.endAsync(), pub.publishAsync('rh/kept', '', { retain: true }).then(() => pub.endAsync())]));
    await pub.publishAsync('rh/kept', 'k', { qos: 1, retain: true });
    const got = collect(sub);
    // After each subscribe a live marker: what came before it is what that subscribe sent.
    const marked = async (n: number): Promise<string[]> => {
      await pub.publishAsync('rh/marker', String(n), { qos: 1 });
      await until(() => got.some((m) => m.topic === 'rh/marker' && m.payload === String(n)));
      return got.splice(0).filter((m) => m.retain).map((m) => m.topic);
    };
    await sub.subscribeAsync('rh/+', { qos: 1, rh: 0 });
    assert.deepEqual(await marked(1), ['rh/kept']);
    await sub.subscribeAsync('rh/+', { qos: 1, rh: 0 });
    assert.deepEqual(await marked(2), ['rh/kept']);
    await sub.subscribeAsync('rh/+', { qos: 1, rh: 1 });
    assert.deepEqual(await marked(3), []);
    await sub.subscribeAsync('rh/#', { qos: 1, rh: 1 });
    assert.deepEqual(await marked(4), ['rh/kept']);
    await sub.subscribeAsync('+/kept', { qos: 1, rh: 2 });
    assert.deepEqual(await marked(5), []);
  });

  it('message expiry: the interval left goes with the message; expired retained and queued messages are not sent', async (t) => {
    const pub = await connectMqtt(server.mqttUrl, { ...v5, ...(await device('exp-pub')) });
    t.after(() => pub.endAsync());
    const { password } = await device('exp-sub');
    const opts = { ...v5, clientId: 'exp-sub', username: 'exp-sub', password, clean: false, properties: { sessionExpiryInterval: 60 } };
    const first = await connectMqtt(server.mqttUrl, opts);
    await first.subscribeAsync('exp/+', { qos: 1 });
    await first.endAsync();
    // While the client is away: one message that expires, one that lasts, one with no expiry.
    await pub.publishAsync('exp/short', 'gone', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('exp/long', 'kept', { qos: 1, properties: { messageExpiryInterval: 300 } });
    await pub.publishAsync('exp/none', 'kept', { qos: 1 });
    await pub.publishAsync('exp/retained', 'gone', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
    await pass(1);
    const intervals = new Map<string, number | undefined>();
    // Listening before the CONNACK: the queued messages follow it at once.
    const second = mqtt.connect(server.mqttUrl, { ...opts, reconnectPeriod: 0 });
    t.after(() => second.endAsync());
    second.on('message', (topic, _p, packet) => intervals.set(topic, packet.properties?.messageExpiryInterval));
    await until(() => intervals.has('exp/none'));
    await second.subscribeAsync('exp/retained', { qos: 1 });
    await pub.publishAsync('exp/marker', 'm', { qos: 1 });
    await until(() => intervals.has('exp/marker'));
    assert.deepEqual([...intervals.keys()].sort(), ['exp/long', 'exp/marker', 'exp/none']);
    const left = intervals.get('exp/long')!;
    assert.ok(left > 290 && left <= 300, `interval left ${left}`);
  });

  it('will delay: the will waits its interval, and a reconnect before then drops it', async (t) => {
    const watcher = await connectMqtt(server.mqttUrl, { ...v5, ...(await device('wd-watch')) });
    t.after(() => watcher.endAsync());
    const got = collect(watcher);
    await watcher.subscribeAsync('wd/+', { qos: 1 });
    const will = { topic: 'wd/will', payload: Buffer.from('gone'), qos: 1 as const, retain: false, properties: { willDelayInterval: 1 } };
    const opts = { ...v5, ...(await device('wd-dev')), will, clean: false, properties: { sessionExpiryInterval: 60 } };
    const vanish = async (): Promise<void> => {
      const c = await connectMqtt(server.mqttUrl, opts);
      const closed = disconnection(c);
      c.stream.destroy();
      await closed;
    };
    // Gone and back within the delay: no will.
    await vanish();
    const back = await connectMqtt(server.mqttUrl, opts);
    await pass(1);
    await server.api('publish', { channel: 'mqtt:wd/marker', data: 1 });
    await until(() => got.length === 1);
    assert.deepEqual(got.splice(0).map((m) => m.topic), ['wd/marker']);
    // Gone for good: the will comes after the delay, not at once.
    const closed = disconnection(back);
    back.stream.destroy();
    await closed;
    await server.api('publish', { channel: 'mqtt:wd/marker', data: 2 });
    await until(() => got.length === 2, 5000);
    assert.deepEqual(got.map((m) => m.topic), ['wd/marker', 'wd/will']);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collect, connectMqtt, device, disconnection, mqttConfig, startMqttServer, suback, type MqttTestServer } from '../../helpers/mqtt.js';
import { natsUrl, randomPrefix, skipWithout } from '../../helpers/services.js';
import { until } from '../../helpers/until.js';

const skip = await skipWithout('NATS', natsUrl);

/** Two nodes brokered by NATS (each with its own memory engine for presence). */
describe('MQTT front door: two nodes over NATS', { skip: skip || undefined }, () => {
  let a: MqttTestServer;
  let b: MqttTestServer;
  before(async () => {
    const prefix = randomPrefix('mqtt-nats');
    const config = () =>
      mqttConfig((c) => {
        c.broker = { ...c.broker, enabled: true, type: 'nats', nats: { ...c.broker.nats, url: natsUrl, prefix, dialTimeout: 1000, writeTimeout: 1000 } };
      });
    a = await startMqttServer(config());
    b = await startMqttServer(config());
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  it('wildcard subscribers on one node get what is published on the other; a CONNECT there takes the client id over', async (t) => {
    const sub = await connectMqtt(a.mqttUrl, { protocolVersion: 5, ...(await device('n-sub')) });
    const pub = await connectMqtt(b.mqttUrl, { protocolVersion: 4, ...(await device('n-pub')) });
    t.after(() => Promise.all([sub.endAsync(), pub.endAsync()]));
    const got = collect(sub);
    await sub.subscribeAsync({ 'line/+/speed': { qos: 1 }, '+/alarm': { qos: 0 } });
    await pub.publishAsync('line/l1/speed', '3', { qos: 1 });
    await b.api('publish', { channel: 'mqtt:press/alarm', data: true });
    await until(() => got.length === 2);
    assert.deepEqual(got.map((m) => m.topic).sort(), ['line/l1/speed', 'press/alarm']);
    const closed = disconnection(sub);
    const again = await connectMqtt(b.mqttUrl, { protocolVersion: 5, ...(await device('n-sub')) });
    t.after(() => again.endAsync());
    assert.equal((await closed).reasonCode, 0x8e);
  });

  it('refuses topics holding a NATS wildcard character (*, >): SUBACK 0x8F / 0x80, PUBACK 0x90; the connection stays', async (t) => {
    const v5 = await connectMqtt(a.mqttUrl, { protocolVersion: 5, ...(await device('n-star5')) });
    const v4 = await connectMqtt(a.mqttUrl, { protocolVersion: 4, ...(await device('n-star4')) });
    t.after(() => Promise.all([v5.endAsync(), v4.endAsync()]));
    assert.deepEqual(await suback(v5, { 'line/a*b': { qos: 1 }, 'tele>/+': { qos: 0 }, 'line/ok': { qos: 1 } }), [0x8f, 0x8f, 1]);
    assert.deepEqual(await suback(v4, { 'line/a*b': { qos: 1 }, 'line/ok': { qos: 1 } }), [0x80, 1]);
    await assert.rejects(v5.publishAsync('line/a>b', 'x', { qos: 1 }), (err: Error & { code?: number }) => err.code === 0x90);
    // 3.1.1 has no refusal: the message is acknowledged and dropped, not resent after a reconnect.
    await v4.publishAsync('line/a*b', 'x', { qos: 1 });
    const got = collect(v5);
    await v4.publishAsync('line/ok', 'still here', { qos: 1 });
    await until(() => got.length === 1);
    assert.deepEqual([got[0]!.topic, v4.connected, v5.connected], ['line/ok', true, true]);
  });
});

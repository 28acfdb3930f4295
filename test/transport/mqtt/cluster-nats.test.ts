import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collect, connectMqtt, device, disconnection, mqttConfig, startMqttServer, type MqttTestServer } from '../../helpers/mqtt.js';
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
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collect, connectMqtt, device, suback, mqttConfig, startMqttServer, type MqttTestServer } from '../../helpers/mqtt.js';
import { until } from '../../helpers/until.js';

describe('MQTT front door: topic ACL claim', () => {
  let server: MqttTestServer;
  before(async () => {
    server = await startMqttServer(mqttConfig());
  });
  after(() => server.close());

  it('MQTT 5: SUBACK 0x87 outside the ACL, granted inside; {sub} is the client id', async (t) => {
    const c = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...(await device('cam-1', ['sensors/+/temp', 'fleet/{sub}/#'])) });
    t.after(() => c.endAsync());
    const granted = await suback(c, { 'sensors/a/temp': { qos: 1 }, 'fleet/cam-1/cmd': { qos: 0 }, 'fleet/cam-2/cmd': { qos: 0 }, 'sensors/#': { qos: 0 } });
    assert.deepEqual(granted, [1, 0, 0x87, 0x87]);
  });

  it('MQTT 3.1.1: SUBACK 0x80 outside the ACL', async (t) => {
    const c = await connectMqtt(server.mqttUrl, { protocolVersion: 4, ...(await device('cam-2', 'sensors/#')) });
    t.after(() => c.endAsync());
    assert.deepEqual(await suback(c, { 'sensors/x': { qos: 1 }, 'other/x': { qos: 1 } }), [1, 0x80]);
  });

  it('publish outside the ACL is dropped: MQTT 5 QoS 1 gets PUBACK 0x87, others get nothing through', async (t) => {
    const watcher = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...(await device('watcher')) });
    const writer = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...(await device('writer', { publish: ['out/{sub}/#'], subscribe: [] })) });
    const writer4 = await connectMqtt(server.mqttUrl, { protocolVersion: 4, ...(await device('writer4', { publish: ['out/{sub}/#'] })) });
    t.after(() => Promise.all([watcher.endAsync(), writer.endAsync(), writer4.endAsync()]));
    const got = collect(watcher);
    await watcher.subscribeAsync('#', { qos: 1 });
    await assert.rejects(writer.publishAsync('in/secret', 'x', { qos: 1 }), (err: Error & { code?: number }) => err.code === 0x87);
    await writer4.publishAsync('in/secret', 'x4', { qos: 1 });
    await writer.publishAsync('out/writer/ok', 'fine', { qos: 1 });
    await writer4.publishAsync('out/writer4/ok', 'fine4', { qos: 1 });
    await until(() => got.length === 2);
    assert.deepEqual(got.map((m) => m.topic).sort(), ['out/writer/ok', 'out/writer4/ok']);
    // A subscribe list of [] means no subscriptions at all.
    assert.deepEqual(await suback(writer, { 'out/writer/ok': { qos: 0 } }), [0x87]);
  });

  it('a token without topicAcl may connect but neither publish nor subscribe', async (t) => {
    const c = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...(await device('bare', null)) });
    t.after(() => c.endAsync());
    assert.deepEqual(await suback(c, { a: { qos: 0 } }), [0x87]);
  });
});

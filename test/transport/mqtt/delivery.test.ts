import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PublicationContext } from 'centrifuge';
import { collect, connectMqtt, device, mqttConfig, startMqttServer, type MqttTestServer } from '../../helpers/mqtt.js';
import { sdk, type Sdk } from '../../helpers/sdk.js';
import { connToken } from '../../helpers/tokens.js';
import { until } from '../../helpers/until.js';

async function sdkSubscribed(server: MqttTestServer, protocol: 'json' | 'protobuf', channel: string): Promise<{ c: Sdk; got: PublicationContext[] }> {
  const c = sdk(protocol, server.url, { token: await connToken(`web-${protocol}`) });
  const got: PublicationContext[] = [];
  const sub = c.newSubscription(channel);
  sub.on('publication', (p) => got.push(p));
  c.connect();
  sub.subscribe();
  await new Promise((resolve) => sub.once('subscribed', resolve));
  return { c, got };
}

describe('MQTT front door: one channel space with SDK clients and the server API', () => {
  let server: MqttTestServer;
  before(async () => {
    server = await startMqttServer(mqttConfig());
  });
  after(() => server.close());

  for (const protocolVersion of [4, 5] as const) {
    it(`MQTT ${protocolVersion}: QoS 0 publish reaches SDK subscribers (JSON and protobuf) and MQTT subscribers, bytes unchanged`, async (t) => {
      const topic = `sensors/v${protocolVersion}/temp`;
      const channel = `mqtt:${topic}`;
      const json = await sdkSubscribed(server, 'json', channel);
      const proto = await sdkSubscribed(server, 'protobuf', channel);
      const sub = await connectMqtt(server.mqttUrl, { protocolVersion, ...(await device(`sub-${protocolVersion}`)) });
      const pub = await connectMqtt(server.mqttUrl, { protocolVersion, ...(await device(`pub-${protocolVersion}`)) });
      t.after(async () => {
        json.c.disconnect();
        proto.c.disconnect();
        await Promise.all([sub.endAsync(), pub.endAsync()]);
      });
      const got = collect(sub);
      await sub.subscribeAsync(topic, { qos: 0 });
      await pub.publishAsync(topic, '{"t":21.5}', { qos: 0 });
      await until(() => got.length === 1 && json.got.length === 1 && proto.got.length === 1);
      assert.deepEqual([got[0]!.topic, got[0]!.payload, got[0]!.qos, got[0]!.retain], [topic, '{"t":21.5}', 0, false]);
      assert.deepEqual(json.got[0]!.data, { t: 21.5 });
      assert.deepEqual(proto.got[0]!.data, new TextEncoder().encode('{"t":21.5}'));
      // Who published, as SDK clients see it.
      assert.equal(proto.got[0]!.info?.user, `pub-${protocolVersion}`);
      // Non-JSON bytes go to MQTT and protobuf clients as they are.
      await pub.publishAsync(topic, Buffer.from([0, 1, 2, 255]), { qos: 0 });
      await until(() => got.length === 2 && proto.got.length === 2);
      assert.deepEqual([...got[1]!.bytes], [0, 1, 2, 255]);
      assert.deepEqual([...(proto.got[1]!.data as Uint8Array)], [0, 1, 2, 255]);
    });
  }

  it('an SDK publish and a server API publish reach MQTT subscribers of the topic', async (t) => {
    const c = sdk('json', server.url, { token: await connToken('web-writer') });
    const sub = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...(await device('listener')) });
    t.after(async () => {
      c.disconnect();
      await sub.endAsync();
    });
    const got = collect(sub);
    await sub.subscribeAsync('rooms/lobby', { qos: 1 });
    c.connect();
    await c.ready();
    await c.publish('mqtt:rooms/lobby', { from: 'sdk' });
    const reply = await server.api('publish', { channel: 'mqtt:rooms/lobby', data: { from: 'api' } });
    assert.equal(reply.error, undefined);
    await until(() => got.length === 2);
    assert.deepEqual(
      got.map((m) => [m.topic, JSON.parse(m.payload)]),
      [
        ['rooms/lobby', { from: 'sdk' }],
        ['rooms/lobby', { from: 'api' }],
      ],
    );
    assert.equal(got[0]!.qos, 1);
  });
});

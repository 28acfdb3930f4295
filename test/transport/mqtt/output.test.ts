import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqttPacket from 'mqtt-packet';
import { mqttConfig, startMqttServer, type MqttTestServer } from '../../helpers/mqtt.js';
import { connectedRaw, RawMqtt } from '../../helpers/mqtt-raw.js';
import { until } from '../../helpers/until.js';

const QUEUE_MAX = 64 * 1024;

describe('MQTT front door: outbound packets', () => {
  let server: MqttTestServer;
  let port: number;
  before(async () => {
    server = await startMqttServer(mqttConfig((c) => (c.client.queueMaxSize = QUEUE_MAX)));
    port = server.app.mqtt!.port;
  });
  after(() => server.close());

  /** A connected raw client (MQTT 5 unless said). */
  const connected = (id: string, version: 4 | 5 = 5): Promise<RawMqtt> => connectedRaw(port, id, version);

  async function subscribed(id: string, version: 4 | 5, filter: string, subscriptionIdentifier?: number): Promise<RawMqtt> {
    const raw = await connected(id, version);
    const properties = subscriptionIdentifier === undefined ? undefined : { subscriptionIdentifier };
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 0 }], properties });
    await raw.next('suback');
    return raw;
  }

  it('publications handled in one turn reach every kind of subscriber complete and in order', async () => {
    // Plain QoS 0 on 3.1.1 and 5 (the shared packet), one with a subscription identifier (its own packet), one by wildcard.
    const subs = [await subscribed('out-v4', 4, 'turn/a'), await subscribed('out-v5', 5, 'turn/a'), await subscribed('out-id', 5, 'turn/a', 7), await subscribed('out-wild', 5, 'turn/+')];
    const publisher = await connected('out-pub', 4);
    const n = 40;
    // One write: the node parses and publishes them all before its writers flush.
    publisher.socket.write(Buffer.concat(Array.from({ length: n }, (_, i) => mqttPacket.generate({ cmd: 'publish', topic: 'turn/a', payload: Buffer.from(`m${i}`), qos: 0, dup: false, retain: false }))));
    for (const raw of subs) {
      await until(() => raw.packets.filter((p) => p.cmd === 'publish').length >= n);
      const got = raw.packets.filter((p) => p.cmd === 'publish');
      assert.deepEqual(
        got.map((p) => String(p.payload)),
        Array.from({ length: n }, (_, i) => `m${i}`),
      );
      assert.ok(got.every((p) => p.topic === 'turn/a' && p.qos === 0 && !p.retain));
    }
    const withId = subs[2]!.packets.filter((p) => p.cmd === 'publish');
    assert.ok(withId.every((p) => p.properties?.subscriptionIdentifier === 7));
    for (const raw of [...subs, publisher]) raw.close();
  });

  it('a subscriber that stops reading is dropped once its queue passes client.queue_max_size; others keep receiving', async () => {
    const stalled = await subscribed('out-stalled', 5, 'big');
    const reader = await subscribed('out-reader', 5, 'big');
    stalled.socket.pause();
    const { node } = server.app;
    assert.equal(node.hub.userClients('out-stalled').size, 1);
    const payload = JSON.stringify('x'.repeat(50_000));
    let published = 0;
    // Kernel buffers on loopback take a few MB before the node's queue grows: bounded at 40 MB.
    while (node.hub.userClients('out-stalled').size > 0 && published < 800) {
      const r = await server.api('publish', { channel: 'mqtt:big', data: JSON.parse(payload) as string });
      assert.ok(r.result !== undefined, JSON.stringify(r));
      published++;
    }
    assert.equal(node.hub.userClients('out-stalled').size, 0, `still connected after ${published} publications`);
    await until(() => reader.packets.filter((p) => p.cmd === 'publish').length === published, 10_000);
    stalled.close();
    reader.close();
  });
});

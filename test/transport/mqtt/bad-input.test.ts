import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collect, connectMqtt, device, mqttConfig, startMqttServer, type MqttTestServer } from '../../helpers/mqtt.js';
import { connectedRaw, RawMqtt } from '../../helpers/mqtt-raw.js';
import { until } from '../../helpers/until.js';
import mqttPacket from 'mqtt-packet';

describe('MQTT front door: bad input closes the offender only', () => {
  let server: MqttTestServer;
  let port: number;
  before(async () => {
    server = await startMqttServer(
      mqttConfig((c) => {
        c.parsec.mqtt.connectTimeout = 300;
        c.parsec.mqtt.maxPacketSize = 1024;
        c.parsec.mqtt.rateLimit = 20;
        c.parsec.mqtt.maxAclViolations = 2;
      }),
    );
    port = server.app.mqtt!.port;
  });
  after(() => server.close());

  /** A connected raw client (MQTT 5 unless said). */
  const connected = (id: string, version: 4 | 5 = 5): Promise<RawMqtt> => connectedRaw(port, id, version);

  it('a connection that never sends CONNECT is closed after connect_timeout', async () => {
    const raw = await RawMqtt.open(port);
    await raw.waitClosed();
    assert.equal(raw.packets.length, 0);
  });

  it('a first packet other than CONNECT, malformed bytes and a second CONNECT close the connection', async () => {
    const early = await RawMqtt.open(port);
    early.send({ cmd: 'pingreq' });
    await early.waitClosed();
    const garbage = await RawMqtt.open(port);
    garbage.socket.write(Buffer.from([0x10, 0x03, 0x00, 0x00, 0x00]));
    await garbage.waitClosed();
    const twice = await connected('twice');
    twice.send({ cmd: 'connect', protocolVersion: 5, clientId: 'twice', clean: true, keepalive: 0 });
    assert.equal((await twice.next('disconnect')).reasonCode, 0x82);
    await twice.waitClosed();
  });

  it('an unsupported protocol level gets CONNACK 1', async () => {
    const raw = await RawMqtt.open(port, 4);
    // MQTT 3.1 (level 3, "MQIsdp").
    raw.send({ cmd: 'connect', protocolId: 'MQIsdp', protocolVersion: 3, clientId: 'old', clean: true, keepalive: 0 });
    assert.equal((await raw.next('connack')).returnCode, 1);
    await raw.waitClosed();
  });

  it('MQTT 3.1.1: an empty client id without clean session gets CONNACK 2', async () => {
    const raw = await RawMqtt.open(port, 4);
    const { password } = await device('anon');
    // mqtt-packet will not build this CONNECT: build it with clean session, then clear the flag.
    const bytes = mqttPacket.generate({ cmd: 'connect', protocolVersion: 4, clientId: '', username: 'anon', password: Buffer.from(String(password)), clean: true, keepalive: 0 });
    const flags = bytes[1]! < 0x80 ? 9 : 10;
    bytes[flags] = bytes[flags]! & ~0x02;
    raw.socket.write(bytes);
    assert.equal((await raw.next('connack')).returnCode, 2);
    await raw.waitClosed();
  });

  it('an oversize packet gets DISCONNECT 0x95 while another client goes on', async (t) => {
    const bystander = await connectMqtt(server.mqttUrl, { protocolVersion: 5, ...(await device('bystander')) });
    t.after(() => bystander.endAsync());
    const got = collect(bystander);
    await bystander.subscribeAsync('big/#', { qos: 0 });
    const raw = await connected('big-sender');
    raw.send({ cmd: 'publish', topic: 'big/x', payload: Buffer.alloc(4096), qos: 0, dup: false, retain: false });
    assert.equal((await raw.next('disconnect')).reasonCode, 0x95);
    await raw.waitClosed();
    await server.api('publish', { channel: 'mqtt:big/ok', data: 1 });
    await until(() => got.length === 1);
    assert.equal(got[0]!.topic, 'big/ok');
  });

  it('a wildcard in a PUBLISH topic gets DISCONNECT 0x90 (MQTT 5) or a closed connection (3.1.1)', async () => {
    const raw = await connected('wild-pub');
    raw.send({ cmd: 'publish', topic: 'a/+/b', payload: Buffer.from('x'), qos: 0, dup: false, retain: false });
    assert.equal((await raw.next('disconnect')).reasonCode, 0x90);
    await raw.waitClosed();
    const raw4 = await connected('wild-pub4', 4);
    raw4.send({ cmd: 'publish', topic: 'a/#', payload: Buffer.from('x'), qos: 0, dup: false, retain: false });
    await raw4.waitClosed();
  });

  it('a topic that is not valid UTF-8 closes the connection', async () => {
    const raw = await connected('utf8');
    // PUBLISH QoS 0, topic "a\xff" (an invalid UTF-8 byte), payload "x".
    raw.socket.write(Buffer.from([0x30, 0x05, 0x00, 0x02, 0x61, 0xff, 0x78]));
    await raw.waitClosed();
  });

  it('a client over its inbound rate limit gets DISCONNECT 0x96', async () => {
    const raw = await connected('chatty');
    for (let i = 0; i < 100; i++) raw.send({ cmd: 'pingreq' });
    assert.equal((await raw.next('disconnect')).reasonCode, 0x96);
    await raw.waitClosed();
  });

  it('repeated topic ACL violations disconnect (max_acl_violations) with 0x87', async () => {
    const raw = await RawMqtt.open(port, 5);
    const { password } = await device('nosy', ['own/#']);
    raw.send({ cmd: 'connect', protocolVersion: 5, clientId: 'nosy', username: 'nosy', password: Buffer.from(String(password)), clean: true, keepalive: 0 });
    await raw.next('connack');
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'other/x', qos: 0 }] });
    assert.deepEqual((await raw.next('suback')).granted, [0x87]);
    raw.send({ cmd: 'publish', topic: 'other/y', payload: Buffer.from('x'), qos: 1, messageId: 2, dup: false, retain: false });
    assert.equal((await raw.next('disconnect')).reasonCode, 0x87);
    await raw.waitClosed();
  });
});

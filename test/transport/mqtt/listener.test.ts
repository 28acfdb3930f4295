import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectMqtt, device, mqttConfig, startMqttServer, type MqttTestServer } from '../../helpers/mqtt.js';
import { selfSigned } from '../../helpers/tls.js';
import { until } from '../../helpers/until.js';

describe('MQTT front door: mutual TLS', () => {
  it('with parsec.mqtt.tls.client_ca_pem a device needs a certificate the CA signed', async (t) => {
    const server = selfSigned();
    const deviceCert = selfSigned();
    const app = await startMqttServer(
      mqttConfig((c) => {
        c.parsec.mqtt.tls = { enabled: true, certPem: server.cert, certPemFile: '', keyPem: server.key, keyPemFile: '', clientCaPem: deviceCert.cert };
      }),
    );
    t.after(() => app.close());
    const url = `mqtts://127.0.0.1:${app.app.mqtt!.port}`;
    const c = await connectMqtt(url, { protocolVersion: 5, ca: server.cert, cert: deviceCert.cert, key: deviceCert.key, rejectUnauthorized: true, ...(await device('mtls-dev')) });
    await c.endAsync();
    await assert.rejects(connectMqtt(url, { protocolVersion: 5, ca: server.cert, rejectUnauthorized: true, reconnectPeriod: 0, connectTimeout: 3000, ...(await device('no-cert')) }));
  });
});

describe('MQTT front door: TLS listener and presence', () => {
  let server: MqttTestServer;
  let ca: string;
  before(async () => {
    const { cert, key } = selfSigned();
    ca = cert;
    server = await startMqttServer(
      mqttConfig((c) => {
        c.parsec.mqtt.tls = { enabled: true, certPem: cert, certPemFile: '', keyPem: key, keyPemFile: '', clientCaPem: '' };
        c.channel.namespaces = c.channel.namespaces.map((ns) => (ns.name === 'mqtt' ? { ...ns, presence: true, joinLeave: true } : ns));
      }),
    );
  });
  after(() => server.close());

  it('MQTT over TLS (parsec.mqtt.tls); an exact-topic subscriber is in the channel presence until it leaves', async () => {
    const url = `mqtts://127.0.0.1:${server.app.mqtt!.port}`;
    const c = await connectMqtt(url, { protocolVersion: 5, ca, rejectUnauthorized: true, ...(await device('tls-dev')) });
    await c.subscribeAsync('rooms/kitchen', { qos: 0 });
    const users = async (): Promise<string[]> => {
      const r = (await server.api('presence', { channel: 'mqtt:rooms/kitchen' })).result as { presence: Record<string, { user: string }> };
      return Object.values(r.presence).map((p) => p.user);
    };
    assert.deepEqual(await users(), ['tls-dev']);
    await c.unsubscribeAsync('rooms/kitchen');
    await until(async () => (await users()).length === 0);
    await c.subscribeAsync('rooms/kitchen', { qos: 0 });
    await until(async () => (await users()).length === 1);
    await c.endAsync();
    await until(async () => (await users()).length === 0);
  });
});

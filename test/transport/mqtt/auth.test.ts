import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connectMqtt, connectWithAck, mqttConfig, refusal, startMqttServer, type MqttTestServer } from '../../helpers/mqtt.js';
import { connToken, nowSec, sign } from '../../helpers/tokens.js';

describe('MQTT front door: token auth', () => {
  let server: MqttTestServer;
  before(async () => {
    server = await startMqttServer(mqttConfig());
  });
  after(() => server.close());

  for (const protocolVersion of [4, 5] as const) {
    describe(`MQTT ${protocolVersion === 4 ? '3.1.1' : '5'}`, () => {
      const bad = protocolVersion === 4 ? 4 : 0x86;
      const idRejected = protocolVersion === 4 ? 2 : 0x85;

      it('accepts the client id with its token as password, user name optional (MQTT 5) or equal', async () => {
        const token = await connToken('dev-1', { topicAcl: '#' });
        if (protocolVersion === 5) {
          // An empty user name is MQTT.js's way to send a password alone.
          const a = await connectMqtt(server.mqttUrl, { protocolVersion, clientId: 'dev-1', username: '', password: token });
          await a.endAsync();
        }
        const b = await connectMqtt(server.mqttUrl, { protocolVersion, clientId: 'dev-1', username: 'dev-1', password: token });
        await b.endAsync();
      });

      it('refuses a wrong, expired or missing password and a mismatched user name', async () => {
        // MQTT 3.1.1 sends a password only with a user name; an empty one is none to the server.
        const username = protocolVersion === 4 ? 'dev-2' : '';
        assert.equal(await refusal(connectMqtt(server.mqttUrl, { protocolVersion, clientId: 'dev-2', username, password: 'not-a-jwt' })), bad);
        const expired = await sign({ sub: 'dev-2', exp: nowSec() - 10 });
        assert.equal(await refusal(connectMqtt(server.mqttUrl, { protocolVersion, clientId: 'dev-2', username, password: expired })), bad);
        assert.equal(await refusal(connectMqtt(server.mqttUrl, { protocolVersion, clientId: 'dev-2', username: 'dev-2' })), bad);
        const token = await connToken('dev-2');
        assert.equal(await refusal(connectMqtt(server.mqttUrl, { protocolVersion, clientId: 'dev-2', username: 'other', password: token })), bad);
        const forged = await sign({ sub: 'dev-2', exp: nowSec() + 60 }, 'another-secret-of-enough-length!!');
        assert.equal(await refusal(connectMqtt(server.mqttUrl, { protocolVersion, clientId: 'dev-2', username, password: forged })), bad);
      });

      it('refuses a client id other than the token subject', async () => {
        const token = await connToken('dev-3');
        assert.equal(await refusal(connectMqtt(server.mqttUrl, { protocolVersion, clientId: 'someone-else', password: token, username: protocolVersion === 4 ? 'someone-else' : '' })), idRejected);
      });
    });
  }

  it('MQTT 5: an empty client id gets the token subject as assigned client identifier', async () => {
    const token = await connToken('dev-4');
    const { client, connack } = await connectWithAck(server.mqttUrl, { protocolVersion: 5, clientId: '', username: '', password: token });
    await client.endAsync();
    assert.equal(connack.properties?.assignedClientIdentifier, 'dev-4');
  });

  it('MQTT 3.1.1: an empty client id is accepted with clean session, refused without', async () => {
    const token = await connToken('dev-5');
    const c = await connectMqtt(server.mqttUrl, { protocolVersion: 4, clientId: '', clean: true, username: 'dev-5', password: token });
    await c.endAsync();
    // MQTT.js will not even send this CONNECT; the refusal is checked on the wire in bad-input tests.
  });
});

describe('MQTT front door: listener', () => {
  it('a port in use stops the start naming parsec.mqtt.port', async (t) => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    t.after(() => holder.close());
    const port = (holder.address() as AddressInfo).port;
    await assert.rejects(
      startMqttServer(mqttConfig((c) => (c.parsec.mqtt.port = port))),
      (err: Error & { key?: string }) => err.key === 'parsec.mqtt.port' && err.message.includes(`127.0.0.1:${port}`),
    );
  });
});

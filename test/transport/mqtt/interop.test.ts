import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { collect, connectMqtt, device, mqttConfig, startMqttServer, type MqttTestServer } from '../../helpers/mqtt.js';
import { skipWithoutProgram } from '../../helpers/services.js';
import { connToken } from '../../helpers/tokens.js';
import { until } from '../../helpers/until.js';

/** Runs a program without blocking the event loop (the server under test shares this process). */
function run(command: string, args: string[]): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(command, args);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill(), 10_000);
  return new Promise((resolve) =>
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    }),
  );
}

const skip = skipWithoutProgram('mosquitto_pub', 'mosquitto_pub', ['--help'], /mosquitto_pub version/) || skipWithoutProgram('mosquitto_sub', 'mosquitto_sub', ['--help'], /mosquitto_sub version/);

describe('MQTT front door: the machine\'s mosquitto clients and MQTT over WebSocket', () => {
  let server: MqttTestServer;
  before(async () => {
    server = await startMqttServer(mqttConfig((c) => (c.parsec.mqtt.websocket.enabled = true)));
  });
  after(() => server.close());

  for (const version of ['mqttv311', 'mqttv5'] as const) {
    it(`mosquitto_sub and mosquitto_pub (${version}) with a client id and token`, { skip: skip || undefined }, async () => {
      const port = String(server.app.mqtt!.port);
      const subToken = await connToken(`mosq-sub-${version}`, { topicAcl: '#' });
      const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-V', version, '-i', `mosq-sub-${version}`, '-u', `mosq-sub-${version}`, '-P', subToken, '-t', 'interop/+', '-C', '1', '-v', '-q', '1']);
      let out = '';
      sub.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => sub.once('exit', resolve));
      // mosquitto_sub gives no sign of its SUBACK: publish until it has what it waits for.
      const pubToken = await connToken(`mosq-pub-${version}`, { topicAcl: ['interop/#'] });
      await until(async () => {
        const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-V', version, '-i', `mosq-pub-${version}`, '-u', `mosq-pub-${version}`, '-P', pubToken, '-t', 'interop/x', '-m', 'hello', '-q', '1']);
        assert.equal(r.status, 0, r.stderr);
        return out.length > 0;
      }, 10_000, 200);
      assert.equal(await exited, 0);
      assert.equal(out.trim(), 'interop/x hello');
    });
  }

  it('mosquitto_pub with a bad token is refused', { skip: skip || undefined }, async () => {
    const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(server.app.mqtt!.port), '-V', 'mqttv5', '-i', 'x', '-u', 'x', '-P', 'nope', '-t', 't', '-m', 'm']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Bad user name or password|not authori[sz]ed/i);
  });

  it('MQTT over WebSocket on the HTTP server (parsec.mqtt.websocket.path)', async (t) => {
    const wsUrl = `${server.httpUrl.replace('http', 'ws')}/mqtt`;
    const overWs = await connectMqtt(wsUrl, { protocolVersion: 5, ...(await device('ws-dev')) });
    const overTcp = await connectMqtt(server.mqttUrl, { protocolVersion: 4, ...(await device('tcp-dev')) });
    t.after(() => Promise.all([overWs.endAsync(), overTcp.endAsync()]));
    const got = collect(overWs);
    await overWs.subscribeAsync('bridge/#', { qos: 1 });
    await overTcp.publishAsync('bridge/a', 'via tcp', { qos: 1 });
    await until(() => got.length === 1);
    assert.deepEqual([got[0]!.topic, got[0]!.payload], ['bridge/a', 'via tcp']);
  });
});

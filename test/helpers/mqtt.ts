import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import type { Config } from '../../src/config/types.js';
import { namespace, startServer, testConfig, type TestServer } from './server.js';

/** A config with the MQTT front door on port 0 and its namespace declared. */
export function mqttConfig(edit?: (c: Config) => void): Config {
  return testConfig((c) => {
    c.parsec.mqtt.enabled = true;
    c.parsec.mqtt.port = 0;
    c.channel.namespaces.push(namespace('mqtt', { allowSubscribeForClient: true, allowPublishForClient: true }));
    edit?.(c);
  });
}

export interface MqttTestServer extends TestServer {
  mqttUrl: string;
}

export async function startMqttServer(config: Config): Promise<MqttTestServer> {
  const s = await startServer(config);
  return { ...s, mqttUrl: `mqtt://127.0.0.1:${s.app.mqtt!.port}` };
}

/** An MQTT.js client, connected (resolves on CONNACK success, rejects on refusal or error). */
export async function connectMqtt(url: string, opts: IClientOptions): Promise<MqttClient> {
  return (await connectWithAck(url, opts)).client;
}

/** The same, with the CONNACK. */
export function connectWithAck(url: string, opts: IClientOptions): Promise<{ client: MqttClient; connack: IConnackPacket }> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  return new Promise((resolve, reject) => {
    client.once('connect', (connack) => resolve({ client, connack }));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before connack')));
  });
}

/** Messages an MQTT client receives, by arrival. */
export interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  dup: boolean;
}

export function collect(client: MqttClient): Received[] {
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain, dup: packet.dup }));
  return got;
}

/** Resolves with the connection's close once the client's socket closes, with the DISCONNECT it got first (MQTT 5). */
export function disconnection(client: MqttClient): Promise<{ reasonCode?: number }> {
  return new Promise((resolve) => {
    let reasonCode: number | undefined;
    client.on('disconnect', (p) => (reasonCode = p.reasonCode));
    client.once('close', () => resolve({ reasonCode }));
  });
}

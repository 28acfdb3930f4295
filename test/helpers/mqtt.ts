import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import type { Config } from '../../src/config/types.js';
import { connToken } from './tokens.js';
import { namespace, startServer, testConfig, type TestServer } from './server.js';

/** A config with the MQTT front door on port 0 and its namespace declared. */
export function mqttConfig(edit?: (c: Config) => void): Config {
  return testConfig((c) => {
    c.parsec.mqtt.enabled = true;
    c.parsec.mqtt.port = 0;
    c.httpApi.key = API_KEY;
    c.channel.namespaces.push(namespace('mqtt', { allowSubscribeForClient: true, allowPublishForClient: true }));
    edit?.(c);
  });
}

export interface MqttTestServer extends TestServer {
  mqttUrl: string;
  /** Calls the server API (`http_api.key` = API_KEY). */
  api(method: string, body: unknown): Promise<Record<string, unknown>>;
}

export const API_KEY = 'mqtt-test-api-key';

export async function startMqttServer(config: Config): Promise<MqttTestServer> {
  const s = await startServer(config);
  const api = async (method: string, body: unknown): Promise<Record<string, unknown>> => {
    const r = await fetch(`${s.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': API_KEY }, body: JSON.stringify(body) });
    return (await r.json()) as Record<string, unknown>;
  };
  return { ...s, mqttUrl: `mqtt://127.0.0.1:${s.app.mqtt!.port}`, api };
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
  bytes: Buffer;
  qos: number;
  retain: boolean;
  dup: boolean;
}

export function collect(client: MqttClient): Received[] {
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), bytes: payload, qos: packet.qos, retain: packet.retain, dup: packet.dup }));
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

/** Credentials for a device: its client id as user name (MQTT 3.1.1 needs one with a password) and a token. */
export async function device(clientId: string, topicAcl: unknown = '#', extra: Record<string, unknown> = {}): Promise<IClientOptions> {
  return { clientId, username: clientId, password: await connToken(clientId, { topicAcl, ...extra }) };
}

/** The SUBACK codes of a subscribe, in order, failures included (MQTT.js rejects on any failure). */
export async function suback(client: MqttClient, subs: Record<string, { qos: 0 | 1 | 2 }>): Promise<number[]> {
  try {
    return (await client.subscribeAsync(subs)).map((g) => g.qos);
  } catch (err) {
    const packet = (err as { packet?: { granted?: number[] } }).packet;
    if (!packet?.granted) throw err;
    return packet.granted;
  }
}

/** The CONNACK code of a connect that must be refused. */
export async function refusal(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: number }).code;
  }
  throw new Error('connect was not refused');
}

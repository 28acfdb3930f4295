import { SignJWT } from 'jose';
import { nowMicros } from '../load/histogram.js';
import type { ClientsSpec } from '../load/messages.js';
import type { LoadPool } from '../load/pool.js';
import { hasMosquitto, startMosquitto } from '../mosquitto.js';
import { MqttPublisher } from '../mqtt-publisher.js';
import { startParsec, startPeer, type ServerProcess } from '../server-process.js';
import { SECRET, parsecConfig, stampedPayload } from '../targets.js';
import { warmAndMeasure, type Delivery } from './measure.js';
import type { StormRow } from './storm.js';

/** The MQTT brokers compared: Parsec's MQTT front door, the machine's Mosquitto, aedes. */
export type MqttBroker = 'parsec' | 'mosquitto' | 'aedes';

/** A broker under test: where its MQTT port is and how clients authenticate. */
interface Broker {
  name: string;
  server: ServerProcess;
  mqttPort: number;
  /** Parsec: clients send an HS256 connection token (with `topicAcl: "#"`) as the password; the others take anyone. */
  secret?: string;
}

const TOPIC = 'fanout';
const NAMESPACE = 'mqtt';

/** Parsec with its MQTT listener on a free port, topics in namespace `mqtt` (open to SDK subscribers too). */
function parsecMqttConfig(): object {
  return parsecConfig({
    channel: { without_namespace: { allow_subscribe_for_client: true }, namespaces: [{ name: NAMESPACE, allow_subscribe_for_client: true }] },
    parsec: { mqtt: { enabled: true, port: 0, address: '127.0.0.1', namespace: NAMESPACE } },
  });
}

async function startBroker(kind: MqttBroker): Promise<Broker> {
  switch (kind) {
    case 'parsec': {
      const server = await startParsec(parsecMqttConfig());
      const port = /"mqttPort":(\d+)/.exec(server.startupLog)?.[1];
      if (!port) throw new Error('Parsec started without an MQTT port');
      return { name: 'Parsec MQTT', server, mqttPort: Number(port), secret: SECRET };
    }
    case 'mosquitto': {
      const server = await startMosquitto();
      return { name: 'Mosquitto', server, mqttPort: server.port };
    }
    case 'aedes': {
      const server = await startPeer('aedes-broker');
      return { name: 'aedes', server, mqttPort: server.port };
    }
  }
}

/** The brokers a run can have: Mosquitto only where it is installed (said once, not silently). */
function availableBrokers(kinds: readonly MqttBroker[]): MqttBroker[] {
  if (kinds.includes('mosquitto') && !hasMosquitto) console.log('# mosquitto not installed: its rows are left out');
  return kinds.filter((k) => k !== 'mosquitto' || hasMosquitto);
}

async function publisherToken(): Promise<string> {
  return new SignJWT({ sub: 'bench-publisher', topicAcl: '#', exp: Math.floor(Date.now() / 1000) + 3600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
}

export interface MqttFanoutRow extends Delivery {
  server: string;
  subscribers: number;
  rate: number;
}

/**
 * MQTT fan-out: N QoS 0 subscribers of one topic, one MQTT publisher at a fixed rate
 * (~100-byte payloads), delivered messages per server CPU second. On Parsec the same
 * publisher's messages also go to N WebSocket (Centrifugo JSON) subscribers of the
 * topic's channel `mqtt:fanout`: Parsec's WebSocket figure for the same load.
 */
export async function runMqttFanout(pool: LoadPool, opts: { sizes: { subscribers: number; rate?: number }[]; deliveries: number; seconds: number; kinds: readonly MqttBroker[] }): Promise<MqttFanoutRow[]> {
  const rows: MqttFanoutRow[] = [];
  const token = await publisherToken();
  for (const kind of availableBrokers(opts.kinds)) {
    const broker = await startBroker(kind);
    let publisher: MqttPublisher | undefined;
    try {
      publisher = await MqttPublisher.open(broker.mqttPort, 'bench-publisher', broker.secret ? token : undefined);
      for (const size of opts.sizes) {
        const { subscribers } = size;
        const rate = size.rate ?? Math.max(1, Math.round(opts.deliveries / subscribers));
        const load = (total: number) => ({ rate, total, expected: total * subscribers, make: () => ({ topic: TOPIC, payload: stampedPayload(nowMicros()) }) });
        const setups: [string, ClientsSpec['dialect'], number, string][] = [[broker.name, 'mqtt', broker.mqttPort, TOPIC]];
        if (kind === 'parsec') setups.push(['Parsec WebSocket (same channel)', 'parsec', broker.server.port, `${NAMESPACE}:${TOPIC}`]);
        for (const [name, dialect, port, channel] of setups) {
          const open = await pool.open({ dialect, port, count: subscribers, shared: [channel], secret: broker.secret, concurrency: 50 });
          if (open.failed) throw new Error(`${name}: ${open.failed} of ${subscribers} subscribers failed: ${open.firstError}`);
          const m = await warmAndMeasure(pool, [broker.server], publisher, load, rate, opts.seconds);
          rows.push({ server: name, subscribers, rate, ...m });
        }
      }
    } finally {
      publisher?.close();
      await broker.server.stop();
    }
  }
  return rows;
}

/** A connect storm's row, as the WebSocket one (storm.ts) has it, named by server only. */
export type MqttConnectRow = Omit<StormRow, 'kind'>;

/**
 * MQTT connect rate: each client sends CONNECT (Parsec: an HS256 JWT as the password,
 * verified like a WebSocket connection token; Mosquitto and aedes: anonymous) and a
 * SUBSCRIBE, and drops the socket at the SUBACK. Parsec's WebSocket connect (token +
 * subscribe) on the same server is the reference row.
 */
export async function runMqttConnect(pool: LoadPool, opts: { connections: number; concurrency: number; kinds: readonly MqttBroker[] }): Promise<MqttConnectRow[]> {
  const rows: MqttConnectRow[] = [];
  for (const kind of availableBrokers(opts.kinds)) {
    const broker = await startBroker(kind);
    try {
      const setups: [string, ClientsSpec['dialect'], number, string][] = [[`${broker.name}${broker.secret ? ' (JWT password)' : ' (anonymous)'}`, 'mqtt', broker.mqttPort, TOPIC]];
      if (kind === 'parsec') setups.push(['Parsec WebSocket (token)', 'parsec', broker.server.port, `${NAMESPACE}:${TOPIC}`]);
      for (const [name, dialect, port, channel] of setups) {
        const spec = { dialect, port, shared: [channel], secret: broker.secret, concurrency: opts.concurrency };
        await pool.storm({ ...spec, count: Math.ceil(opts.connections / 5) }); // warm-up
        const cpu0 = broker.server.cpuSeconds();
        const r = await pool.storm({ ...spec, count: opts.connections });
        const serverCpuSeconds = broker.server.cpuSeconds() - cpu0;
        if (r.failed) throw new Error(`${name}: ${r.failed} connects failed: ${r.firstError}`);
        rows.push({ server: name, connections: r.opened, failed: r.failed, seconds: r.seconds, perSecond: r.opened / r.seconds, serverCpuSeconds, perCpuSecond: r.opened / Math.max(serverCpuSeconds, 0.01) });
      }
    } finally {
      await broker.server.stop();
    }
  }
  return rows;
}

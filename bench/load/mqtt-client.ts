import { connect, type Socket } from 'node:net';
import mqtt from 'mqtt-packet';
import { countStamps } from './stamps.js';

/** One MQTT bench client's parameters. */
export interface MqttClientSpec {
  port: number;
  clientId: string;
  /** The CONNECT password (Parsec: a connection token); none for an anonymous broker. */
  password?: string;
  /** Filters subscribed at QoS 0 right after CONNECT. */
  topics: string[];
}

const sockets = new Set<Socket>();

/**
 * A lean MQTT 3.1.1 subscriber: CONNECT and SUBSCRIBE go out in one write, mqtt-packet
 * parses only the handshake (CONNACK, SUBACK); after it the byte stream is scanned for
 * the publications' stamps without parsing packets, so the load side stays cheap.
 * Keepalive 0: no PINGREQ traffic while measuring. Resolves once subscribed.
 */
export function openMqttClient(spec: MqttClientSpec, keep: boolean, timeoutMs: number): Promise<{ terminate(): void }> {
  return new Promise((resolve, reject) => {
    const socket = connect(spec.port, '127.0.0.1');
    socket.setNoDelay(true);
    const parser = mqtt.parser({ protocolVersion: 4 });
    let ready = false;
    let carry: Buffer | undefined;
    const handle = { terminate: () => socket.destroy() };
    const timer = setTimeout(() => fail(new Error('handshake timed out')), timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    parser.on('packet', (p: mqtt.Packet) => {
      if (p.cmd === 'connack' && p.returnCode !== 0) fail(new Error(`refused: CONNACK ${String(p.returnCode)}`));
      else if (p.cmd === 'suback') {
        if (p.granted.some((g) => typeof g === 'number' && g >= 0x80)) return fail(new Error(`refused: SUBACK ${p.granted.join(',')}`));
        ready = true;
        clearTimeout(timer);
        if (keep) sockets.add(socket);
        resolve(handle);
      }
    });
    parser.on('error', (err: Error) => fail(err));
    socket.on('data', (chunk: Buffer) => {
      if (!ready) {
        parser.parse(chunk);
        return;
      }
      const data = carry ? Buffer.concat([carry, chunk]) : chunk;
      const rest = countStamps(data);
      carry = rest < data.length ? Buffer.from(data.subarray(rest)) : undefined;
    });
    socket.once('error', (err) => fail(err));
    socket.once('close', () => {
      sockets.delete(socket);
      if (!ready) fail(new Error('closed during handshake'));
    });
    const packets: mqtt.Packet[] = [
      { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: spec.clientId, keepalive: 0, ...(spec.password ? { username: spec.clientId, password: Buffer.from(spec.password) } : {}) },
      { cmd: 'subscribe', messageId: 1, subscriptions: spec.topics.map((topic) => ({ topic, qos: 0 as const })) },
    ];
    socket.write(Buffer.concat(packets.map((p) => mqtt.generate(p))));
  });
}

/** Drops every kept MQTT client. */
export function closeMqttClients(): void {
  for (const s of sockets) s.destroy();
  sockets.clear();
}

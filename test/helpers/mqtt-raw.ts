import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { device } from './mqtt.js';
import { until } from './until.js';

/**
 * An MQTT connection driven packet by packet (mqtt-packet on a plain socket): for what a
 * well-behaved client library will not do (withhold PUBACKs, send bad bytes).
 */
export class RawMqtt {
  readonly packets: Packet[] = [];
  closed = false;
  private readonly parser = mqttPacket.parser({ protocolVersion: 5 });

  private constructor(
    readonly socket: Socket,
    readonly version: 4 | 5,
  ) {
    this.parser = mqttPacket.parser({ protocolVersion: version });
    this.parser.on('packet', (p: Packet) => this.packets.push(p));
    socket.on('data', (d: Buffer) => this.parser.parse(d));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static async open(port: number, version: 4 | 5 = 5): Promise<RawMqtt> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawMqtt(socket, version);
  }

  send(p: Packet): void {
    this.socket.write(mqttPacket.generate(p, { protocolVersion: this.version }));
  }

  /** Waits for the next packet of a kind and returns it. */
  async next<C extends Packet['cmd']>(cmd: C, ms = 5000): Promise<Extract<Packet, { cmd: C }>> {
    let found: Packet | undefined;
    await until(() => {
      const i = this.packets.findIndex((p) => p.cmd === cmd);
      if (i < 0) return false;
      found = this.packets.splice(i, 1)[0];
      return true;
    }, ms);
    return found as Extract<Packet, { cmd: C }>;
  }

  async waitClosed(ms = 5000): Promise<void> {
    await until(() => this.closed, ms);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A raw client connected (CONNACK success) with a device's token as password, clean start, no keepalive. */
export async function connectedRaw(port: number, id: string, version: 4 | 5 = 5): Promise<RawMqtt> {
  const raw = await RawMqtt.open(port, version);
  const { password } = await device(id);
  raw.send({ cmd: 'connect', protocolVersion: version, clientId: id, username: id, password: Buffer.from(String(password)), clean: true, keepalive: 0 });
  const ack = await raw.next('connack');
  assert.equal(ack.reasonCode ?? ack.returnCode, 0);
  return raw;
}

import { connect, type Socket } from 'node:net';
import mqtt from 'mqtt-packet';

/**
 * The fan-out publisher for MQTT brokers: one MQTT 3.1.1 connection sending QoS 0
 * PUBLISH packets at a fixed rate (the schedule does not slow down when the broker does;
 * the socket's backpressure is the only wait). `password` is Parsec's connection token.
 */
export class MqttPublisher {
  private constructor(private readonly socket: Socket) {}

  static open(port: number, clientId: string, password?: string): Promise<MqttPublisher> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      const parser = mqtt.parser({ protocolVersion: 4 });
      parser.on('packet', (p: mqtt.Packet) => {
        if (p.cmd !== 'connack') return;
        if (p.returnCode !== 0) reject(new Error(`publisher refused: CONNACK ${String(p.returnCode)}`));
        else resolve(new MqttPublisher(socket));
      });
      socket.on('data', (d: Buffer) => parser.parse(d));
      socket.once('error', reject);
      socket.write(mqtt.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 0, ...(password ? { username: clientId, password: Buffer.from(password) } : {}) }));
    });
  }

  /** Publishes `total` messages to a topic at `rate` per second; `make` gives each payload. Returns the seconds it took. */
  async paced(rate: number, total: number, _maxInFlight: number, make: (n: number) => { topic: string; payload: string }): Promise<number> {
    const started = performance.now();
    for (let n = 0; n < total; n++) {
      const wait = started + (n * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const { topic, payload } = make(n);
      if (!this.socket.write(mqtt.generate({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, dup: false, retain: false }))) {
        await new Promise((r) => this.socket.once('drain', r));
      }
    }
    return (performance.now() - started) / 1000;
  }

  close(): void {
    this.socket.destroy();
  }
}

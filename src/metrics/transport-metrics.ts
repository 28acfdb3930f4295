import { Counter, type Registry } from 'prom-client';
import { Accumulated } from './accumulated.js';
import { FRAME_TYPES } from './frame-types.js';

/**
 * One transport's message counts by frame type (index: `FrameType`). Sessions hold their
 * transport's instance and add to it; Prometheus collects at scrape.
 */
export class TransportCounts {
  readonly sent = new Accumulated(FRAME_TYPES.length);
  readonly sentBytes = new Accumulated(FRAME_TYPES.length);
  readonly received = new Accumulated(FRAME_TYPES.length);
  readonly receivedBytes = new Accumulated(FRAME_TYPES.length);

  /** `count` messages of one frame type, `bytes` in all (a fan-out adds its deliveries at once). */
  countSent(frameType: number, count: number, bytes: number): void {
    this.sent.values[frameType]! += count;
    this.sentBytes.values[frameType]! += bytes;
  }

  countReceived(frameType: number, bytes: number): void {
    this.received.values[frameType]! += 1;
    this.receivedBytes.values[frameType]! += bytes;
  }
}

type Side = 'sent' | 'sentBytes' | 'received' | 'receivedBytes';

/**
 * `centrifugo_transport_messages_{sent,received}[_size]` by transport and frame type. Sizes
 * are of the encoded messages, before framing, as in the centrifuge library.
 */
export class TransportMetrics {
  private readonly byTransport = new Map<string, TransportCounts>();
  /** Where counts go while metrics are off: counted, never read. */
  private readonly sink = new TransportCounts();

  constructor(registry: Registry, private readonly on: boolean) {
    const counter = (name: string, help: string, side: Side): void => {
      const byTransport = this.byTransport;
      const c: Counter<'transport' | 'frame_type' | 'channel_namespace'> = new Counter({
        name: `centrifugo_transport_${name}`,
        help,
        labelNames: ['transport', 'frame_type', 'channel_namespace'],
        registers: [registry],
        collect() {
          for (const [transport, counts] of byTransport) counts[side].flushInto(c, (i) => ({ transport, frame_type: FRAME_TYPES[i]!, channel_namespace: '' }));
        },
      });
    };
    counter('messages_sent', 'Number of messages sent to client connections over specific transport.', 'sent');
    counter('messages_sent_size', 'Size in bytes of messages sent to client connections over specific transport.', 'sentBytes');
    counter('messages_received', 'Number of messages received from client connections over specific transport.', 'received');
    counter('messages_received_size', 'Size in bytes of messages received from client connections over specific transport.', 'receivedBytes');
  }

  /** The counts of a transport (`websocket`, `sse`, `http_stream`…: names from Parsec's own code, a fixed set). */
  counts(transport: string): TransportCounts {
    if (!this.on) return this.sink;
    let c = this.byTransport.get(transport);
    if (!c) {
      c = new TransportCounts();
      this.byTransport.set(transport, c);
    }
    return c;
  }
}

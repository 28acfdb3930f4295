import { ClientWriter, type FrameJoiner, type Node, type WriterOutput, type WriterOwner } from '../../node/index.js';
import type { TimerWheel } from '../../lib/index.js';
import type { MqttStream } from './transport.js';

/** MQTT packets delimit themselves: the packets queued in a turn leave as one concatenated write. */
const concatenated: FrameJoiner = {
  joinFrame: (packets) => (packets.length === 1 ? packets[0]! : Buffer.concat(packets as Uint8Array[])),
};

/**
 * An MQTT connection's outbound packets, through the same writer as WebSocket sessions:
 * packets queued within an event-loop turn (a fan-out's PUBLISH, several publications
 * handled in one turn, acknowledgements) go out in one write per connection instead of
 * one system call each, and connections holding the same packets share one joined buffer.
 * Bounded in bytes (`client.queue_max_size`, counting what the socket still holds) and, for
 * a client with a keepalive, in time: bytes the socket has not handed to the kernel within
 * 1.5 × keepalive mark a peer that stopped reading. Either way the stream is dropped.
 */
export class PacketOutput implements WriterOwner {
  readonly codec = concatenated;
  /** No cap on packets per write: the byte bound already limits one. */
  readonly maxMessagesInFrame = 0;
  readonly transport: WriterOutput;
  /** ms; 0 = none (set from the CONNECT's keepalive). */
  writeTimeout = 0;
  private readonly writer: ClientWriter;
  /** Nothing more reaches the stream (it closed under us, or the output was dropped). */
  private dropped = false;

  constructor(
    private readonly stream: MqttStream,
    sentBytes: () => number,
    private readonly node: Node,
    private readonly onSlow: (detail: string) => void,
  ) {
    this.transport = {
      write: (bytes) => {
        if (!this.dropped) stream.write(bytes);
      },
      bufferedAmount: () => stream.writableLength,
      sentBytes,
    };
    this.writer = new ClientWriter(this);
  }

  get maxQueueBytes(): number {
    return this.node.config.client.queueMaxSize;
  }

  get wheel(): TimerWheel {
    return this.node.deps.wheel;
  }

  /** `client.write_delay` applies to PUBLISH deliveries as to WebSocket pushes. */
  get writeBatches(): WriterOwner['writeBatches'] {
    return this.node.writeBatches;
  }

  /**
   * Queues one encoded packet. An `urgent` one (anything but a PUBLISH delivery) does not
   * wait for the write delay; it still leaves after what was queued before it.
   */
  send(packet: Uint8Array, urgent: boolean): void {
    this.writer.enqueue(packet, urgent);
  }

  /** Writes what is queued, then ends the stream. */
  end(): void {
    this.writer.close();
    this.stream.end();
  }

  /** The stream is gone: what is queued is dropped. */
  drop(): void {
    this.dropped = true;
    this.writer.close();
  }

  onWriterOverflow(): void {
    this.slow('queue overflow');
  }

  onWriteTimeout(): void {
    this.slow('write timed out');
  }

  private slow(detail: string): void {
    this.dropped = true;
    this.onSlow(detail);
    this.stream.destroy();
  }
}

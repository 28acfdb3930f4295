import type { ServerWritableStream } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { ConnectionRequest, Transport } from '../../node/index.js';

/** Splits varint-delimited messages (the push codec's joined frame) back into messages. */
export function splitDelimited(frame: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < frame.length) {
    let len = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = frame[at++]!;
      len += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80 && at < frame.length);
    out.push(frame.subarray(at, at + len));
    at += len;
  }
  return out;
}

/** `ipv4:1.2.3.4:5678` / `ipv6:[::1]:5678`, as grpc-js names a peer, to the bare address. */
export function peerAddress(peer: string): string {
  const m = /^(?:ipv[46]:)?\[?([^\]]*?)\]?:\d+$/.exec(peer);
  return m ? m[1]! : '';
}

/**
 * A Client's view of one `Consume` call of the uni_grpc service: each push is one streamed
 * message (the bytes go out as they are, serialised once for every subscriber). gRPC has no
 * close code, so a disconnect is the last push and the call then ends with status OK. No
 * app-level pings: HTTP/2 keepalive is the transport's own.
 */
export class UniGrpcTransport implements Transport {
  readonly remoteAddr: string;
  /** Bytes handed to grpc-js whose write has not completed, and those that have. */
  private pending = 0;
  private sent = 0;
  private ended = false;
  private readonly written: (len: number) => void;

  constructor(
    private readonly call: ServerWritableStream<unknown, Uint8Array>,
    readonly request: ConnectionRequest,
  ) {
    this.remoteAddr = request.ip;
    this.written = (len) => {
      this.pending -= len;
      this.sent += len;
    };
  }

  get name(): string {
    return 'uni_grpc';
  }
  get protocol(): 'protobuf' {
    return 'protobuf';
  }
  get emulation(): boolean {
    return false;
  }
  get unidirectional(): boolean {
    return true;
  }
  get pong(): boolean {
    return false;
  }
  get pings(): boolean {
    return false;
  }
  get disconnectPush(): boolean {
    return true;
  }

  bufferedAmount(): number {
    return this.pending;
  }

  sentBytes(): number {
    return this.sent;
  }

  write(frame: Uint8Array): void {
    if (this.ended || this.call.cancelled) return;
    for (const message of splitDelimited(frame)) {
      const len = message.length;
      this.pending += len;
      this.call.write(message, () => this.written(len));
    }
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.call.end();
  }

  /** Ends the call with UNAVAILABLE without waiting for what it still holds to be read. */
  abort(): void {
    if (this.call.cancelled || this.call.destroyed) return;
    this.ended = true;
    this.call.emit('error', { code: status.UNAVAILABLE, details: 'slow consumer' });
    this.call.destroy();
  }
}

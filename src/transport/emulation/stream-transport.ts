import type { ServerResponse } from 'node:http';
import { peerAddress } from '../../lib/index.js';
import type { ConnectionRequest, Transport } from '../../node/index.js';
import type { ProtocolName } from '../../protocol/index.js';
import type { StreamFormat } from './stream-format.js';

/**
 * A Client's view of one streaming HTTP response (SSE or HTTP-streaming, emulated or
 * unidirectional). Replies go down the response; an emulated session's commands come
 * separately through `/emulation`, a unidirectional one sends none. Disconnects travel as a
 * `disconnect` push (the Client writes it before `close`), since an HTTP response has no
 * close code.
 */
export class StreamTransport implements Transport {
  readonly emulation: boolean;
  // Emulated clients answer pings through /emulation, so the pong check applies as on WebSocket.
  readonly pong: boolean;
  readonly pings = true;
  readonly disconnectPush = true;

  constructor(
    readonly name: 'http_stream' | 'sse' | 'uni_http_stream' | 'uni_sse',
    readonly protocol: ProtocolName,
    private readonly res: ServerResponse,
    private readonly format: StreamFormat,
    readonly request: ConnectionRequest,
    readonly unidirectional = false,
  ) {
    this.remoteAddr = peerAddress(res.req.socket);
    this.emulation = !unidirectional;
    this.pong = !unidirectional;
  }

  readonly remoteAddr: string;

  bufferedAmount(): number {
    return this.res.writableLength;
  }

  /** Counted on the socket, as on WebSocket; bytes of earlier responses on a kept-alive connection only add a constant. */
  sentBytes(): number {
    const socket = this.res.socket;
    return socket ? socket.bytesWritten - socket.writableLength : 0;
  }

  write(frame: Uint8Array): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.res.write(this.format.frame(frame));
  }

  /** Ends the response; the code and reason already went out in the disconnect push. */
  close(): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.res.end();
  }

  /**
   * Destroys the response and its socket: an ended response still waits for a peer that reads
   * nothing. One whose every byte went out has nothing stuck, and its socket may serve the next request.
   */
  abort(): void {
    if (this.res.destroyed || this.res.writableFinished) return;
    this.res.destroy();
  }
}

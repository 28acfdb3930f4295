import type { ProxyKind, WireRequest } from './requests.js';

/** How one proxy reaches its backend: HTTP with JSON, or gRPC with protobuf. */
export interface ProxyTransport {
  /** Centrifugo's `protocol` label of proxy metrics. */
  readonly protocol: 'http' | 'grpc';
  /**
   * Sends one request and resolves with the reply, decoded to proxy.proto's shape with
   * byte fields as Uint8Array. `headers` (lower-case names) go as HTTP headers or gRPC
   * metadata. Aborting `signal` ends the call.
   * @throws ProxyCallError for anything but a decoded reply
   */
  send(kind: ProxyKind, req: WireRequest, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<unknown>;
  /** Drops pooled connections; idempotent. */
  close(): void;
}

import { Centrifuge as JsonCentrifuge, type Options, type TransportEndpoint } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import EventSource from 'eventsource';
import { WebSocket } from 'ws';

export type SdkProtocol = 'json' | 'protobuf';

export type Sdk = InstanceType<typeof JsonCentrifuge>;

/**
 * A real centrifuge SDK client in JSON or protobuf mode: over `ws` for a URL, or over the
 * transports listed. Node has fetch and ReadableStream; EventSource comes from the
 * `eventsource` package, the one the SDK's own tests use.
 */
export function sdk(protocol: SdkProtocol, url: string | TransportEndpoint[], opts: Partial<Options> = {}): Sdk {
  const Ctor = protocol === 'json' ? JsonCentrifuge : (ProtobufCentrifuge as unknown as typeof JsonCentrifuge);
  return new Ctor(url, { websocket: WebSocket, eventsource: EventSource, minReconnectDelay: 50, maxReconnectDelay: 200, ...opts });
}

export type SdkTransport = 'websocket' | 'http_stream' | 'sse';

/** One way an SDK can reach the server; SSE is JSON only. */
export interface TransportCase {
  transport: SdkTransport;
  protocol: SdkProtocol;
}

export const transportCases: TransportCase[] = [
  { transport: 'websocket', protocol: 'json' },
  { transport: 'websocket', protocol: 'protobuf' },
  { transport: 'http_stream', protocol: 'json' },
  { transport: 'http_stream', protocol: 'protobuf' },
  { transport: 'sse', protocol: 'json' },
];

/** An SDK client using only the given transport, against a server at `httpUrl` with default paths. */
export function sdkOver(c: TransportCase, httpUrl: string, opts: Partial<Options> = {}): Sdk {
  const base = c.transport === 'websocket' ? httpUrl.replace(/^http/, 'ws') : httpUrl;
  return sdk(c.protocol, [{ transport: c.transport, endpoint: `${base}/connection/${c.transport}` }], {
    emulationEndpoint: `${httpUrl}/emulation`,
    ...opts,
  });
}

/** The SDK's emitters are typed per event; tests name events as strings. */
interface Events {
  once(event: string, fn: (ctx: never) => void): unknown;
  on(event: string, fn: (ctx: never) => void): unknown;
}

/** Resolves with the first emission of an event (rejects after `ms`). */
export function once<T = unknown>(target: object, event: string, ms = 3000): Promise<T> {
  const emitter = target as Events;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), ms);
    emitter.once(event, (ctx: T) => {
      clearTimeout(timer);
      resolve(ctx);
    });
  });
}

/** Collects emissions of an event until `count` arrived. */
export function collect<T = unknown>(target: object, event: string, count: number, ms = 3000): Promise<T[]> {
  const emitter = target as Events;
  const got: T[] = [];
  return new Promise<T[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${got.length}/${count} "${event}" events`)), ms);
    emitter.on(event, (ctx: T) => {
      got.push(ctx);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

/** Publication data as the SDK wants it: objects in JSON mode, bytes in protobuf mode. */
export function payload(protocol: SdkProtocol, value: unknown): unknown {
  return protocol === 'json' ? value : new TextEncoder().encode(JSON.stringify(value));
}

/** Received data back to a value (protobuf mode delivers bytes). */
export function decoded<T = unknown>(protocol: SdkProtocol, data: unknown): T {
  return (protocol === 'json' ? data : JSON.parse(new TextDecoder().decode(data as Uint8Array))) as T;
}

/** The error code an SDK call failed with, or 0 when it went through. */
export function codeOf(call: Promise<unknown>): Promise<number> {
  return call.then(
    () => 0,
    (err: { code: number }) => err.code,
  );
}

import { Centrifuge as JsonCentrifuge, type Options } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import { WebSocket } from 'ws';

export type SdkProtocol = 'json' | 'protobuf';
export const protocols: SdkProtocol[] = ['json', 'protobuf'];

export type Sdk = InstanceType<typeof JsonCentrifuge>;

/** A real centrifuge SDK client over `ws`, in JSON or protobuf mode. */
export function sdk(protocol: SdkProtocol, url: string, opts: Partial<Options> = {}): Sdk {
  const Ctor = protocol === 'json' ? JsonCentrifuge : (ProtobufCentrifuge as unknown as typeof JsonCentrifuge);
  return new Ctor(url, { websocket: WebSocket, minReconnectDelay: 50, maxReconnectDelay: 200, ...opts });
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

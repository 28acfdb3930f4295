import { credentials, makeGenericClientConstructor, type ClientReadableStream, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { WebSocket } from 'ws';
import { protoPath } from '../../../src/protocol/index.js';
import { RawStream } from '../../helpers/stream.js';

/**
 * Clients of the unidirectional transports without any SDK, as a browser or a service would
 * write them: fetch over SSE and HTTP streaming, a raw WebSocket, a gRPC client generated at
 * run time from the unistream proto. Every push comes out as the JSON protocol shows it.
 */

export type UniTransport = 'uni_sse' | 'uni_http_stream' | 'uni_websocket' | 'uni_grpc';
export const uniTransports: UniTransport[] = ['uni_sse', 'uni_http_stream', 'uni_websocket', 'uni_grpc'];

export type PushJson = Record<string, unknown> & {
  channel?: string;
  pub?: { data: unknown; offset?: number };
  connect?: {
    client: string;
    ping?: number;
    pong?: boolean;
    session?: string;
    subs?: Record<string, { recovered?: boolean; recoverable?: boolean; epoch?: string; offset?: number; publications?: Array<{ data: unknown; offset?: number }> }>;
  };
  subscribe?: Record<string, unknown>;
  disconnect?: { code: number; reason: string };
};

export interface UniSession {
  /** The next push; fails when the session ended first. */
  next(ms?: number): Promise<PushJson>;
  /** Resolves when the server has ended the session (a WebSocket: with its close code). */
  ended(ms?: number): Promise<number | undefined>;
  close(): void;
}

/** A queue of pushes filled by a callback-style client. */
class Inbox implements UniSession {
  private readonly items: PushJson[] = [];
  private waiter: (() => void) | undefined;
  private done = false;
  closeCode: number | undefined;

  constructor(private readonly onClose: () => void) {}

  push(p: PushJson): void {
    this.items.push(p);
    this.waiter?.();
  }

  end(code?: number): void {
    this.done = true;
    this.closeCode ??= code;
    this.waiter?.();
  }

  private async wait(cond: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async next(ms = 3000): Promise<PushJson> {
    await this.wait(() => this.items.length > 0 || this.done, ms, 'a push');
    const p = this.items.shift();
    if (!p) throw new Error('session ended');
    return p;
  }

  async ended(ms = 3000): Promise<number | undefined> {
    await this.wait(() => this.done, ms, 'the end of the session');
    return this.closeCode;
  }

  close(): void {
    this.onClose();
  }
}

class StreamSession implements UniSession {
  constructor(readonly raw: RawStream) {}
  next(ms?: number): Promise<PushJson> {
    return this.raw.next(ms) as Promise<PushJson>;
  }
  async ended(ms?: number): Promise<undefined> {
    await this.raw.end(ms);
    return undefined;
  }
  close(): void {
    this.raw.close();
  }
}

export async function openSse(httpUrl: string, connect: unknown): Promise<StreamSession> {
  const raw = await RawStream.fetch(`${httpUrl}/connection/uni_sse?cf_connect=${encodeURIComponent(JSON.stringify(connect))}`, {}, true);
  return new StreamSession(raw);
}

export async function openHttpStream(httpUrl: string, body: string | object): Promise<StreamSession> {
  const raw = await RawStream.fetch(`${httpUrl}/connection/uni_http_stream`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  return new StreamSession(raw);
}

/** A raw WebSocket; the connect request goes in `cf_connect`, or as the first message when `firstMessage`. */
export function openWebSocket(httpUrl: string, connect: unknown, opts: { firstMessage?: boolean; ws?: ConstructorParameters<typeof WebSocket>[2] } = {}): Inbox & { ws: WebSocket } {
  const base = `${httpUrl.replace(/^http/, 'ws')}/connection/uni_websocket`;
  const url = opts.firstMessage ? base : `${base}?cf_connect=${encodeURIComponent(JSON.stringify(connect))}`;
  const ws = new WebSocket(url, opts.ws);
  const inbox = Object.assign(new Inbox(() => ws.terminate()), { ws });
  if (opts.firstMessage) ws.on('open', () => ws.send(typeof connect === 'string' ? connect : JSON.stringify(connect)));
  ws.on('message', (data: Buffer) => inbox.push(JSON.parse(data.toString('utf8')) as PushJson));
  ws.on('close', (code: number) => inbox.end(code));
  ws.on('error', () => inbox.end());
  return inbox;
}

const unistream = loadSync(protoPath('unistream.proto'), { keepCase: true, longs: Number, bytes: Buffer, defaults: false });
const service = unistream['centrifugal.centrifugo.unistream.CentrifugoUniStream'] as ServiceDefinition;
const UniStreamClient = makeGenericClientConstructor(service, 'CentrifugoUniStream');
const consume = service['Consume']!;

/** Payload bytes back to the JSON they hold, as the JSON protocol would show them. */
function jsonOf(bytes: unknown): unknown {
  return Buffer.isBuffer(bytes) ? JSON.parse(bytes.toString('utf8')) : bytes;
}

type Pub = { data?: unknown; offset?: number };
const pubJson = (p: Pub): Pub => ({ ...p, data: jsonOf(p.data) });

function normalise(push: PushJson): PushJson {
  const out: PushJson = { ...push };
  if (out.pub) out.pub = pubJson(out.pub) as PushJson['pub'];
  const subs = out.connect?.subs;
  if (subs) for (const s of Object.values(subs)) if (s.publications) s.publications = s.publications.map(pubJson) as typeof s.publications;
  return out;
}

/** A gRPC client of the unistream service made at run time from the proto. */
export function openGrpc(port: number, connect: { token?: string; subs?: Record<string, { recover: boolean; epoch: string; offset: number }> }): Inbox {
  const client = new UniStreamClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const call: ClientReadableStream<PushJson> = client.makeServerStreamRequest(
    consume.path,
    consume.requestSerialize,
    consume.responseDeserialize as (b: Buffer) => PushJson,
    connect,
  );
  const inbox = new Inbox(() => {
    call.cancel();
    client.close();
  });
  call.on('data', (p: PushJson) => inbox.push(normalise(p)));
  call.on('end', () => inbox.end());
  // The gRPC status code stands in for a close code.
  call.on('error', (err: Error & { code?: number }) => inbox.end(err.code));
  return inbox;
}

/** The next push for which `pred` holds, skipping others (pings, pushes of other channels). */
export async function nextMatching(s: UniSession, pred: (p: PushJson) => boolean, ms = 3000): Promise<PushJson> {
  const deadline = Date.now() + ms;
  for (;;) {
    const p = await s.next(Math.max(1, deadline - Date.now()));
    if (pred(p)) return p;
  }
}

import { Server, ServerCredentials, status, type Metadata, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { pino, type Logger } from 'pino';
import { defaultConfig, type ProxyConfig } from '../../src/config/index.js';
import { grpcServerCredentials } from '../../src/lib/index.js';
import { Metrics } from '../../src/metrics/index.js';
import { protoPath } from '../../src/protocol/index.js';
import { ProxyEndpoint } from '../../src/proxy/endpoint.js';
import type { Caller } from '../../src/proxy/index.js';
import { transportFor } from '../../src/proxy/registry.js';

/*
 * A real application backend for proxy tests: HTTP (JSON) or gRPC (Centrifugo's
 * CentrifugoProxy service from proto/proxy.proto), on port 0. Handlers see requests and
 * write replies in the JSON shape (payloads as JSON values) for both kinds; the gRPC
 * server turns payloads to and from bytes as a Centrifugo gRPC backend does.
 */

export type BackendKind = 'http' | 'grpc';
export type ProxyMethod = 'connect' | 'refresh' | 'subscribe' | 'publish' | 'map_publish' | 'map_remove' | 'rpc' | 'sub_refresh' | 'shared_poll_refresh';
export type Body = Record<string, unknown>;

export interface SeenCall {
  method: ProxyMethod;
  body: Body;
  /** HTTP headers or gRPC metadata, lower-case names. */
  headers: Record<string, string>;
}

/** Reply with this HTTP status (gRPC: UNAVAILABLE) instead of a body. */
export class Status {
  constructor(readonly code: number) {}
}

/** HTTP only: reply with this text as it is (to send something that is not JSON). */
export class RawText {
  constructor(readonly text: string) {}
}

export type Handler = (body: Body, headers: Record<string, string>) => unknown;

export interface Backend {
  readonly kind: BackendKind;
  /** The endpoint to configure for a method (HTTP: one path per method). */
  endpoint(method: ProxyMethod): string;
  readonly calls: SeenCall[];
  close(): Promise<void>;
}

const rpcNames: Record<string, ProxyMethod> = {
  Connect: 'connect',
  Refresh: 'refresh',
  Subscribe: 'subscribe',
  Publish: 'publish',
  MapPublish: 'map_publish',
  MapRemove: 'map_remove',
  RPC: 'rpc',
  SubRefresh: 'sub_refresh',
  SharedPollRefresh: 'shared_poll_refresh',
};

/** A backend behind TLS: its certificate and key, and with `clientCa` it requires a client certificate that CA signed. */
export interface BackendTls {
  cert: string;
  key: string;
  clientCa?: string;
}

export function startBackend(kind: BackendKind, handlers: Partial<Record<ProxyMethod, Handler>>, tls?: BackendTls): Promise<Backend> {
  return kind === 'http' ? startHttp(handlers, tls) : startGrpc(handlers, tls);
}

const missing = (method: string) => (): never => {
  throw new Error(`no handler for ${method}`);
};

function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
}

async function startHttp(handlers: Partial<Record<ProxyMethod, Handler>>, tls?: BackendTls): Promise<Backend> {
  const calls: SeenCall[] = [];
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '/').slice(1) as ProxyMethod;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body;
      const headers = flatHeaders(req.headers);
      calls.push({ method, body, headers });
      Promise.resolve()
        .then(() => (handlers[method] ?? missing(method))(body, headers))
        .then(
          (reply) => {
            if (reply instanceof Status) res.writeHead(reply.code).end();
            else if (reply instanceof RawText) res.writeHead(200, { 'content-type': 'application/json' }).end(reply.text);
            else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
          },
          () => res.writeHead(500).end(),
        );
    });
  };
  const mutual = tls?.clientCa !== undefined;
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key, ca: tls.clientCa, requestCert: mutual, rejectUnauthorized: mutual }, serve) : createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    kind: 'http',
    endpoint: (method) => `${base}/${method}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const PAYLOADS = ['data', 'info', 'meta', 'prev_data'];

const fromBytes = (o: Body): Body =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, PAYLOADS.includes(k) && Buffer.isBuffer(v) ? JSON.parse(v.toString('utf8')) : v]));

const toBytes = (o: Body): Body =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, PAYLOADS.includes(k) && v !== undefined ? Buffer.from(JSON.stringify(v)) : v]));

/** A JSON-shaped reply with payloads as bytes, as protobuf carries them. */
function protoReply(reply: unknown): unknown {
  const r = reply as Body;
  if (!r || typeof r.result !== 'object' || r.result === null) return r;
  const result = toBytes(r.result as Body);
  if (result.subs && typeof result.subs === 'object') {
    result.subs = Object.fromEntries(Object.entries(result.subs as Record<string, Body>).map(([ch, s]) => [ch, toBytes(s)]));
  }
  if (Array.isArray(result.items)) result.items = (result.items as Body[]).map(toBytes);
  return { ...r, result };
}

async function startGrpc(handlers: Partial<Record<ProxyMethod, Handler>>, tls?: BackendTls): Promise<Backend> {
  const calls: SeenCall[] = [];
  const def = loadSync(protoPath('proxy.proto'), { keepCase: true, longs: Number, bytes: Buffer, defaults: false });
  const service = def['centrifugal.centrifugo.proxy.CentrifugoProxy'] as ServiceDefinition;
  const impl: Record<string, (call: ServerUnaryCall<Body, unknown>, cb: sendUnaryData<unknown>) => void> = {};
  for (const [rpc, method] of Object.entries(rpcNames)) {
    impl[rpc] = (call, cb) => {
      const body = fromBytes(call.request);
      const headers = metadataOf(call.metadata);
      calls.push({ method, body, headers });
      Promise.resolve()
        .then(() => (handlers[method] ?? missing(method))(body, headers))
        .then(
          (reply) => (reply instanceof Status ? cb({ code: status.UNAVAILABLE, details: `status ${reply.code}` }) : cb(null, protoReply(reply))),
          (err: Error) => cb({ code: status.INTERNAL, details: err.message }),
        );
    };
  }
  const server = new Server();
  server.addService(service, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpcCredentials(tls), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    kind: 'grpc',
    endpoint: () => `grpc://127.0.0.1:${port}`,
    calls,
    close: async () => {
      server.forceShutdown();
    },
  };
}

/** The gRPC listener credentials Parsec's own servers use, for a backend's TLS. */
function grpcCredentials(tls: BackendTls | undefined): ServerCredentials {
  const ca = tls?.clientCa === undefined ? undefined : Buffer.from(tls.clientCa);
  return grpcServerCredentials(tls && { cert: Buffer.from(tls.cert), key: Buffer.from(tls.key), ca });
}

function metadataOf(md: Metadata): Record<string, string> {
  return Object.fromEntries(Object.entries(md.getMap()).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('utf8') : String(v)]));
}

/** A proxy's options for tests: Centrifugo's defaults with a 2 s timeout and 4 calls in flight. */
export function testProxyConfig(endpoint: string, edit: Partial<ProxyConfig> = {}): ProxyConfig {
  return { ...structuredClone(defaultConfig().rpc.proxy), endpoint, timeout: 2000, maxInFlight: 4, ...edit };
}

/**
 * One ProxyEndpoint (as the registry builds it) calling a backend started here with
 * `handlers`; `method` picks the HTTP path. Both are closed when the test ends.
 */
export async function endpointTo(
  t: TestContext,
  kind: BackendKind,
  method: ProxyMethod,
  handlers: Partial<Record<ProxyMethod, Handler>>,
  edit: Partial<ProxyConfig> = {},
  options: { tls?: BackendTls; log?: Logger } = {},
): Promise<{ backend: Backend; endpoint: ProxyEndpoint }> {
  const backend = await startBackend(kind, handlers, options.tls);
  const url = backend.endpoint(method);
  const cfg = testProxyConfig(url, edit);
  const endpoint = new ProxyEndpoint(method, cfg, transportFor(cfg, 'proxy'), options.log ?? pino({ level: 'silent' }), new Metrics({ enabled: false, version: 'test' }), method);
  t.after(async () => {
    endpoint.close();
    await backend.close();
  });
  return { backend, endpoint };
}

/** The session a proxy call is made for in unit tests: user u1 with meta and a label. */
export function testCaller(edit: Partial<Caller> = {}): Caller {
  return {
    client: 'c1',
    transport: 'websocket',
    protocol: 'json',
    user: 'u1',
    meta: new Uint8Array(Buffer.from(JSON.stringify({ tenant: 1 }))),
    labels: { plan: 'pro' },
    headers: {},
    emulatedHeaders: {},
    ip: '127.0.0.1',
    ...edit,
  };
}

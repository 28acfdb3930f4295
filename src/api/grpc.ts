import {
  Server,
  setLogger,
  status,
  type Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import type { Logger } from 'pino';
import { grpcServerCredentials, shutdownGrpcServer, type GrpcListenerTls } from '../lib/index.js';
import type { Node } from '../node/index.js';
import { protoPath } from '../protocol/index.js';
import { Attr, noTracer, type ActiveSpan, type Tracer } from '../telemetry/index.js';
import type { ApiContext } from './context.js';
import { protoResult, requestParams } from './grpc-convert.js';
import { transportError } from './grpc-status.js';
import type { ApiAuthenticator } from './http.js';
import { asApiError } from './errors.js';
import { execute, type MethodName } from './methods.js';
import { callAttributes, recordApiError } from './tracing.js';

const SERVICE = 'centrifugal.centrifugo.api.CentrifugoApi';

/** gRPC status per authentication refusal; UNAVAILABLE is the one gRPC clients retry. */
const GRPC_AUTH_STATUS = { 401: status.UNAUTHENTICATED, 403: status.PERMISSION_DENIED, 503: status.UNAVAILABLE } as const;

/** Each rpc of `CentrifugoApi` and the server API method it runs. */
const rpcMethods = {
  Batch: 'batch',
  Publish: 'publish',
  Broadcast: 'broadcast',
  Subscribe: 'subscribe',
  Unsubscribe: 'unsubscribe',
  Disconnect: 'disconnect',
  Presence: 'presence',
  PresenceStats: 'presence_stats',
  History: 'history',
  HistoryRemove: 'history_remove',
  Info: 'info',
  RPC: 'rpc',
  Refresh: 'refresh',
  Channels: 'channels',
  Connections: 'connections',
  ConnectionsSnapshot: 'connections_snapshot',
  BlockUser: 'block_user',
  UnblockUser: 'unblock_user',
  BlockedUsers: 'blocked_users',
  RateLimit: 'rate_limit',
  RateLimitsGet: 'rate_limits_get',
  RateLimitsSet: 'rate_limits_set',

  MapPublish: 'map_publish',
  MapRemove: 'map_remove',
  MapReadState: 'map_read_state',
  MapReadStream: 'map_read_stream',
  MapStats: 'map_stats',
  MapClear: 'map_clear',
  SharedPollPublish: 'shared_poll_publish',
  ActivitySessions: 'activity_sessions',
  ActivityChannels: 'activity_channels',
} as const satisfies Record<string, MethodName>;

export interface GrpcApiDeps {
  node: Node;
  auth: ApiAuthenticator;
  /** `transport`: API errors become gRPC statuses instead of the response `error` field. */
  errorMode: '' | 'transport';
  logger?: Logger;
  /** Largest request accepted, in bytes; bigger ones fail with RESOURCE_EXHAUSTED. @default 1 MiB */
  maxReceiveMessageLength?: number;
  /** How long `close()` lets in-flight calls finish before cutting them. @default 5000 */
  shutdownTimeoutMs?: number;
  /** `opentelemetry.api`: a server span per call, child of the caller's `traceparent` metadata. */
  tracer?: Tracer;
  /** `grpc_api.reflection`: serve gRPC server reflection of api.proto beside the API. */
  reflection?: boolean;
}

/** api.proto as proto-loader read it, and the CentrifugoApi service in it. */
function loadApi(): { definition: PackageDefinition; service: ServiceDefinition } {
  const file = protoPath('api.proto');
  // Options fixed by the converters: snake_case keys, JS numbers, Buffers for bytes,
  // and absent (not zero) fields, so a field left unset means "use the default".
  const definition = loadSync(file, { keepCase: true, longs: Number, bytes: Buffer, defaults: false, oneofs: true });
  const svc = definition[SERVICE];
  if (!svc || 'format' in svc) throw new Error(`service ${SERVICE} not found in ${file}`);
  // A proto-loader service is a map of method definitions, which is what grpc-js takes.
  return { definition, service: svc as ServiceDefinition };
}

function firstString(md: Metadata, key: string): string | undefined {
  const v = md.get(key)[0];
  return typeof v === 'string' ? v : undefined;
}

/** An empty repeated field decodes as absent; an empty batch is still a batch. */
function withCommands(req: unknown): unknown {
  return typeof req === 'object' && req !== null ? { commands: [], ...req } : { commands: [] };
}

/**
 * The gRPC server API: Centrifugo's `CentrifugoApi` service over @grpc/grpc-js, each
 * rpc authenticated from `authorization` metadata and dispatched through `execute()`.
 */
export class GrpcApi {
  private readonly api = loadApi();
  private readonly log: Logger;
  private readonly tracer: Tracer;
  private server: Server | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: GrpcApiDeps) {
    this.log = (deps.logger ?? deps.node.deps.logger).child({ component: 'grpc_api' });
    this.tracer = deps.tracer ?? noTracer;
  }

  /** Binds and serves; resolves with the bound port (useful with port 0). Call once. */
  /** Listens; with `tls` (PEM certificate chain and key, a client CA for mutual TLS) the API is served over TLS. */
  async start(address: string, port: number, tls?: GrpcListenerTls): Promise<number> {
    if (this.server || this.closing) throw new Error('GrpcApi.start: already started or closed');
    // grpc-js writes its diagnostics to stderr, so a failed bind would print a bare line next
    // to the one naming the key. Its logger is process-wide; ours keeps them, at debug.
    const diagnostic = (...parts: unknown[]): void => this.log.debug({ grpc: parts.join(' ') }, 'grpc-js diagnostic');
    setLogger({ error: diagnostic, info: diagnostic, debug: diagnostic });
    const server = new Server({ 'grpc.max_receive_message_length': this.deps.maxReceiveMessageLength ?? 1024 * 1024 });
    const impl: UntypedServiceImplementation = {};
    for (const [rpc, name] of Object.entries(rpcMethods)) impl[rpc] = this.handler(rpc, name);
    server.addService(this.api.service, impl);
    // Not behind the API key, as in Centrifugo: it describes api.proto, which is public.
    if (this.deps.reflection) new ReflectionService(this.api.definition).addToServer(server);
    this.server = server;
    const host = address.includes(':') ? `[${address}]` : address;
    const bound = await new Promise<number>((resolve, reject) => {
      const creds = grpcServerCredentials(tls);
      server.bindAsync(`${host}:${port}`, creds, (err, p) => (err ? reject(err) : resolve(p)));
    });
    this.log.info({ address, port: bound }, 'grpc api listening');
    return bound;
  }

  /**
   * Stops accepting calls and lets in-flight ones finish, cutting them after
   * `shutdownTimeoutMs`. Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await shutdownGrpcServer(server, this.deps.shutdownTimeoutMs ?? 5000, (why) => {
      if (why === 'timeout') this.log.warn('grpc api calls still running at shutdown timeout; cutting them');
      else this.log.warn({ err: why }, 'grpc api graceful shutdown failed; forcing');
    });
  }

  private handler(rpc: string, name: MethodName) {
    return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
      const served = this.tracer.enabled ? this.traced(rpc, name, call, callback) : this.serve(name, call, callback);
      served.catch((err: unknown) => {
        this.log.error({ err, method: name }, 'grpc api call failed');
        callback({ code: status.INTERNAL, details: 'internal server error' });
      });
    };
  }

  private traced(rpc: string, name: MethodName, call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): Promise<void> {
    const options = {
      role: 'server' as const,
      parent: (key: string) => firstString(call.metadata, key),
      attributes: { [Attr.rpcSystem]: 'grpc', [Attr.rpcService]: SERVICE, [Attr.rpcMethod]: rpc, ...callAttributes(name, call.request) },
    };
    return this.tracer.withSpan(`${SERVICE}/${rpc}`, options, (span) => {
      const answer: sendUnaryData<unknown> = (err, ...rest) => {
        span.setAttributes({ [Attr.rpcGrpcStatusCode]: err?.code ?? status.OK });
        callback(err, ...rest);
      };
      return this.serve(name, call, answer, span);
    });
  }

  private async serve(name: MethodName, call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>, span?: ActiveSpan): Promise<void> {
    const md = call.metadata;
    const auth = await this.deps.auth.authenticate({ authorization: firstString(md, 'authorization') });
    if (!auth.ok) {
      callback({ code: GRPC_AUTH_STATUS[auth.status], details: auth.message });
      return;
    }
    const ctx: ApiContext = { node: this.deps.node, log: this.log, caller: auth.caller, protocol: 'grpc' };
    let reply: unknown;
    try {
      const result = await execute(ctx, name, requestParams(name === 'batch' ? withCommands(call.request) : call.request));
      // BatchResponse is the one response without error/result fields: it is `{replies}`.
      reply = name === 'batch' ? protoResult(result) : { result: protoResult(result ?? {}) };
    } catch (err) {
      const e = asApiError(ctx, err);
      recordApiError(span, e);
      const transport = this.deps.errorMode === 'transport' || firstString(md, 'x-centrifugo-error-mode')?.toLowerCase() === 'transport';
      // A failed batch has no error field to carry the error, so it is always a status.
      if (transport || name === 'batch') {
        callback(transportError(e));
        return;
      }
      reply = { error: e.toJSON() };
    }
    callback(null, reply);
  }
}

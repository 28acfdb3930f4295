import { Client, Metadata, credentials, status, type ChannelCredentials, type ChannelOptions, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from '../protocol/index.js';
import { ProxyCallError, ProxyCallErrorCode } from './errors.js';
import type { ProxyKind, WireRequest } from './requests.js';
import type { ClientTls } from '../config/index.js';
import type { ProxyTransport } from './transport.js';

const SERVICE = 'centrifugal.centrifugo.proxy.CentrifugoProxy';

/** The rpc of `CentrifugoProxy` each call uses. */
const rpcOf: Record<ProxyKind, string> = {
  connect: 'Connect',
  refresh: 'Refresh',
  subscribe: 'Subscribe',
  publish: 'Publish',
  map_publish: 'MapPublish',
  map_remove: 'MapRemove',
  rpc: 'RPC',
  sub_refresh: 'SubRefresh',
  shared_poll_refresh: 'SharedPollRefresh',
};

type Methods = Record<string, MethodDefinition<unknown, unknown>>;

let methods: Methods | undefined;

/** proto/proxy.proto, loaded once for every gRPC proxy. */
function proxyMethods(): Methods {
  if (methods) return methods;
  const file = protoPath('proxy.proto');
  // snake_case keys and Buffers for bytes, as replies.ts reads them; absent fields stay absent.
  const def = loadSync(file, { keepCase: true, longs: Number, bytes: Buffer, defaults: false });
  const svc = def[SERVICE];
  if (!svc || 'format' in svc) throw new Error(`service ${SERVICE} not found in ${file}`);
  // A proto-loader service is a map of method definitions.
  methods = svc as unknown as Methods;
  return methods;
}

/** How a gRPC proxy's channel is made: `grpc.tls` and `grpc.compression`. */
export interface GrpcChannelOptions {
  tls?: ClientTls;
  /** gzip every call's message, as Centrifugo's `grpc.compression` does. */
  compression?: boolean;
}

// grpc-js's number for gzip in `grpc.default_compression_algorithm` (CompressionAlgorithms.gzip).
const GZIP = 2;

/**
 * Calls a `grpc://host:port` backend implementing Centrifugo's `CentrifugoProxy` service,
 * over one HTTP/2 channel per proxy (calls are multiplexed on it), in plain text or TLS.
 */
export class GrpcProxyTransport implements ProxyTransport {
  readonly protocol = 'grpc';
  private readonly client: Client;
  private readonly methods = proxyMethods();

  constructor(
    url: URL,
    private readonly staticMetadata: Readonly<Record<string, string>>,
    options: GrpcChannelOptions = {},
  ) {
    const channel: ChannelOptions = {};
    // grpc-js checks the certificate against this name and sends it as SNI; the authority stays the endpoint's.
    if (options.tls?.serverName) channel['grpc.ssl_target_name_override'] = options.tls.serverName;
    if (options.compression) channel['grpc.default_compression_algorithm'] = GZIP;
    this.client = new Client(url.host, channelCredentials(options.tls), channel);
  }

  send(kind: ProxyKind, req: WireRequest, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<unknown> {
    const method = this.methods[rpcOf[kind]]!;
    const md = new Metadata();
    for (const [k, v] of Object.entries({ ...this.staticMetadata, ...headers })) md.set(k.toLowerCase(), v);
    return new Promise((resolve, reject) => {
      const call = this.client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, req, md, {}, (err: ServiceError | null, reply?: unknown) => {
        signal.removeEventListener('abort', cancel);
        if (err) reject(failure(err, signal));
        else resolve(reply);
      });
      const cancel = (): void => call.cancel();
      if (signal.aborted) cancel();
      else signal.addEventListener('abort', cancel, { once: true });
    });
  }

  close(): void {
    this.client.close();
  }
}

function channelCredentials(tls: ClientTls | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  // Without a CA the system's roots; insecure_skip_verify accepts any chain and any name.
  const verify = tls.insecureSkipVerify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {};
  return credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null, verify);
}

function failure(err: ServiceError, signal: AbortSignal): ProxyCallError {
  if (signal.aborted || err.code === status.DEADLINE_EXCEEDED) return new ProxyCallError(ProxyCallErrorCode.timeout, 'no reply in time', { cause: err });
  if (err.code === status.UNAVAILABLE) return new ProxyCallError(ProxyCallErrorCode.unreachable, err.details, { cause: err });
  if (err.code === status.INTERNAL && /parse|deserializ/i.test(err.details)) return new ProxyCallError(ProxyCallErrorCode.malformed, err.details, { cause: err });
  return new ProxyCallError(ProxyCallErrorCode.status, `gRPC status ${status[err.code]}: ${err.details}`, { cause: err });
}

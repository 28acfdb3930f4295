import type { Logger } from 'pino';
import type { ProxyConfig } from '../config/types.js';
import type { Metrics, ProxyMeter, ProxyOutcome } from '../metrics/index.js';
import { ClientError, DisconnectError, ErrorCode } from '../protocol/index.js';
import { Attr, noTracer, type ActiveSpan, type SpanAttributes, type Tracer } from '../telemetry/index.js';
import { ProxyCallError, ProxyCallErrorCode } from './errors.js';
import { Limiter } from './limiter.js';
import { settle, type ResultOf } from './replies.js';
import { transformedStatus } from './status-transforms.js';
import { sharedPollRequest, wireRequest, type CallOf, type ProxyKind, type SessionKind, type WireRequest } from './requests.js';
import type { ProxyTransport } from './transport.js';
import type {
  Caller,
  ConnectCall,
  ConnectOutcome,
  ConnectProxy,
  MapPublishCall,
  MapPublishOutcome,
  MapPublishProxy,
  MapRemoveCall,
  MapRemoveOutcome,
  MapRemoveProxy,
  PublishCall,
  PublishOutcome,
  PublishProxy,
  RefreshOutcome,
  RefreshProxy,
  RpcCall,
  RpcOutcome,
  RpcProxy,
  SharedPollRefreshCall,
  SharedPollRefreshOutcome,
  SharedPollRefreshProxy,
  SubRefreshCall,
  SubRefreshOutcome,
  SubRefreshProxy,
  SubscribeCall,
  SubscribeOutcome,
  SubscribeProxy,
} from './types.js';

/** Header carrying the client's address to the backend (as gRPC metadata: `x-real-ip`). */
export const CLIENT_IP_HEADER = 'x-real-ip';

const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * One configured proxy: encodes calls as proxy.proto says, sends them through its
 * transport within the proxy's timeout and in-flight bound, and turns replies into
 * outcomes or protocol errors. A failure is logged here, with the proxy's name, and the
 * client gets error 100 (internal, temporary) so SDKs retry, unless
 * `http.status_to_code_transforms` names the backend's HTTP status.
 */
export class ProxyEndpoint
  implements ConnectProxy, RefreshProxy, SubscribeProxy, PublishProxy, MapPublishProxy, MapRemoveProxy, RpcProxy, SubRefreshProxy, SharedPollRefreshProxy
{
  private readonly limiter: Limiter;
  private readonly httpHeaders: string[];
  private readonly emulatedHeaders: string[];
  private readonly meters = new Map<ProxyKind, ProxyMeter>();
  /** What every span of this proxy says, built once (only when proxy calls are traced). */
  private readonly spanAttributes: SpanAttributes | undefined;

  /** `metricName`: the `name` label, `default` for a section's own proxy as in Centrifugo. */
  constructor(
    readonly name: string,
    private readonly cfg: ProxyConfig,
    private readonly transport: ProxyTransport,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly metricName: string,
    private readonly tracer: Tracer = noTracer,
  ) {
    this.limiter = new Limiter(cfg.maxInFlight);
    this.spanAttributes = tracer.enabled ? endpointAttributes(name, cfg.endpoint, transport.protocol) : undefined;
    this.httpHeaders = cfg.httpHeaders.map((h) => h.toLowerCase());
    this.emulatedHeaders = cfg.emulatedHeaders.map((h) => h.toLowerCase());
  }

  async connect(caller: Caller, call: ConnectCall): Promise<ConnectOutcome | undefined> {
    return this.call('connect', caller, call);
  }

  // Without a result the backend said nothing about extending: the session ends, as in Centrifugo.
  async refresh(caller: Caller): Promise<RefreshOutcome> {
    return (await this.call('refresh', caller, undefined)) ?? { expired: true, expireAt: 0 };
  }

  async subscribe(caller: Caller, call: SubscribeCall): Promise<SubscribeOutcome> {
    return (await this.call('subscribe', caller, call)) ?? { expireAt: 0 };
  }

  async publish(caller: Caller, call: PublishCall): Promise<PublishOutcome> {
    return (await this.call('publish', caller, call)) ?? { skipHistory: false, delta: false };
  }

  async mapPublish(caller: Caller, call: MapPublishCall): Promise<MapPublishOutcome> {
    return (await this.call('map_publish', caller, call)) ?? { keyMode: '', delta: false, version: 0 };
  }

  async mapRemove(caller: Caller, call: MapRemoveCall): Promise<MapRemoveOutcome> {
    return (await this.call('map_remove', caller, call)) ?? {};
  }

  async rpc(caller: Caller, call: RpcCall): Promise<RpcOutcome> {
    return (await this.call('rpc', caller, call)) ?? {};
  }

  async subRefresh(caller: Caller, call: SubRefreshCall): Promise<SubRefreshOutcome> {
    return (await this.call('sub_refresh', caller, call)) ?? { expired: true, expireAt: 0 };
  }

  // No connection asks: only the proxy's static headers go with it.
  async sharedPollRefresh(call: SharedPollRefreshCall): Promise<SharedPollRefreshOutcome> {
    return (await this.exchange('shared_poll_refresh', () => sharedPollRequest(call), {}, { channel: call.channel }, call.channel)) ?? { items: [], epoch: '' };
  }

  close(): void {
    this.transport.close();
  }

  private call<K extends SessionKind>(kind: K, caller: Caller, call: CallOf[K]): Promise<ResultOf[K] | undefined> {
    const channel = call && 'channel' in call ? call.channel : undefined;
    return this.exchange(kind, () => wireRequest(kind, caller, call, this.cfg), this.headersFor(caller), { client: caller.client, user: caller.user }, channel);
  }

  /**
   * One call, in a client span when proxy calls are traced: the backend gets `traceparent`
   * (HTTP header or gRPC metadata) naming it. A `traceparent` among the forwarded headers
   * (listed in `http_headers`) makes the span part of that trace.
   */
  private exchange<K extends ProxyKind>(
    kind: K,
    request: () => WireRequest,
    headers: Record<string, string>,
    context: Record<string, string>,
    channel: string | undefined,
  ): Promise<ResultOf[K] | undefined> {
    if (!this.tracer.enabled) return this.send(kind, request, headers, context);
    const options = {
      role: 'client' as const,
      parent: (key: string) => headers[key],
      attributes: { ...this.spanAttributes, [Attr.proxyKind]: kind, [Attr.client]: context.client, [Attr.channel]: channel },
    };
    return this.tracer.withSpan(`proxy ${kind}`, options, (span) => {
      span.inject(headers);
      return this.send(kind, request, headers, context, span);
    });
  }

  /** One request within the proxy's timeout and in-flight bound; `context` goes into the failure's log line. */
  private async send<K extends ProxyKind>(
    kind: K,
    request: () => WireRequest,
    headers: Record<string, string>,
    context: Record<string, string>,
    span?: ActiveSpan,
  ): Promise<ResultOf[K] | undefined> {
    const signal = AbortSignal.timeout(this.cfg.timeout);
    const meter = this.meter(kind);
    const started = performance.now();
    let outcome: ProxyOutcome = 'ok';
    let release: (() => void) | undefined;
    meter.begin();
    try {
      release = await this.limiter.acquire(signal);
      const reply = await this.transport.send(kind, request(), headers, signal);
      return settle(kind, reply);
    } catch (err) {
      outcome = outcomeOf(err);
      if (!(err instanceof ProxyCallError)) throw err;
      // As in Centrifugo, shared-poll refreshes (asked for no client) keep their statuses.
      const answer = kind === 'shared_poll_refresh' ? undefined : transformedStatus(err, this.cfg.http.statusToCodeTransforms);
      if (answer) {
        outcome = outcomeOf(answer);
        throw answer;
      }
      span?.fail(`${outcome}: ${err.message}`);
      if (err.code === ProxyCallErrorCode.encoding) throw new ClientError(ErrorCode.badRequest, err.message);
      this.log.error({ proxy: this.name, kind, ...context, code: err.code, reason: err.message }, 'proxy call failed');
      throw new ClientError(ErrorCode.internal);
    } finally {
      release?.();
      meter.end((performance.now() - started) / 1000, outcome);
      span?.setAttributes({ [Attr.proxyOutcome]: outcome });
    }
  }

  private meter(kind: ProxyKind): ProxyMeter {
    let m = this.meters.get(kind);
    if (!m) {
      m = this.metrics.proxy.meter(this.transport.protocol, kind, this.metricName);
      this.meters.set(kind, m);
    }
    return m;
  }

  /** Allowed emulated headers, then allowed request headers (which win), then the client's address. */
  private headersFor(caller: Caller): Record<string, string> {
    const out: Record<string, string> = {};
    for (const h of this.emulatedHeaders) {
      const v = caller.emulatedHeaders[h];
      // Client-chosen values: one that no HTTP header may carry is dropped, not sent.
      if (v !== undefined && HEADER_VALUE.test(v)) out[h] = v;
    }
    for (const h of this.httpHeaders) {
      const v = caller.headers[h];
      if (v !== undefined) out[h] = v;
    }
    if (caller.ip) out[CLIENT_IP_HEADER] = caller.ip;
    return out;
  }
}

const OUTCOMES: Readonly<Record<ProxyCallErrorCode, ProxyOutcome>> = {
  [ProxyCallErrorCode.timeout]: 'timeout',
  [ProxyCallErrorCode.unreachable]: 'unreachable',
  [ProxyCallErrorCode.status]: 'status',
  [ProxyCallErrorCode.malformed]: 'malformed',
  [ProxyCallErrorCode.encoding]: 'encoding',
};

/** Where a proxy sends its calls, for its spans: never the endpoint's URL, which may hold credentials. */
function endpointAttributes(name: string, endpoint: string, protocol: 'http' | 'grpc'): SpanAttributes {
  const url = new URL(endpoint);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return {
    [Attr.proxyName]: name,
    [Attr.proxyProtocol]: protocol,
    [Attr.serverAddress]: url.hostname,
    [Attr.serverPort]: port,
    [Attr.rpcSystem]: protocol === 'grpc' ? 'grpc' : undefined,
  };
}

/** How a failed call ended: the backend's own error or disconnect answer, or why there was none. */
function outcomeOf(err: unknown): ProxyOutcome {
  if (err instanceof ProxyCallError) return OUTCOMES[err.code];
  return err instanceof DisconnectError ? 'disconnect' : 'error';
}

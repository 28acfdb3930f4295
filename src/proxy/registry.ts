import type { Logger } from 'pino';
import type { ChannelOptions, Config, ProxyConfig } from '../config/types.js';
import type { Metrics } from '../metrics/index.js';
import { noTracer, type Tracer } from '../telemetry/index.js';
import { ProxyEndpoint } from './endpoint.js';
import { GrpcProxyTransport } from './grpc-transport.js';
import { HttpProxyTransport } from './http-transport.js';
import { clientTls } from '../config/index.js';
import type { ProxyTransport } from './transport.js';
import type { ConnectProxy, MapPublishProxy, MapRemoveProxy, ProxyRegistry, PublishProxy, RefreshProxy, RpcProxy, SharedPollRefreshProxy, SubRefreshProxy, SubscribeProxy } from './types.js';

/** The name channel and RPC options use for their section's own proxy. */
const DEFAULT = 'default';

/** The transport `cfg` (at config key `at`) asks for; reads its TLS PEMs. */
export function transportFor(cfg: ProxyConfig, at: string): ProxyTransport {
  const url = new URL(cfg.endpoint);
  if (url.protocol === 'grpc:') {
    const creds = cfg.grpc.credentialsKey ? { [cfg.grpc.credentialsKey.toLowerCase()]: cfg.grpc.credentialsValue } : {};
    const tls = clientTls(cfg.grpc.tls, `${at}.grpc.tls`);
    return new GrpcProxyTransport(url, { ...cfg.grpc.staticMetadata, ...creds }, { tls, compression: cfg.grpc.compression });
  }
  return new HttpProxyTransport(url, cfg.maxInFlight, cfg.http.staticHeaders, clientTls(cfg.http.tls, `${at}.http.tls`));
}

/**
 * Every proxy the config uses, built once (one keep-alive agent or gRPC channel each): the
 * connect and refresh proxies when enabled, every named proxy, and each section's default
 * proxy when some enabled option refers to it. The config was checked by config/rules.ts,
 * so every endpoint here parses and every referenced name exists.
 */
export class Proxies implements ProxyRegistry {
  readonly connect: ConnectProxy | undefined;
  readonly refresh: RefreshProxy | undefined;
  readonly httpHeaders: ReadonlySet<string>;
  readonly emulatedHeaders: ReadonlySet<string>;
  private readonly named = new Map<string, ProxyEndpoint>();
  private readonly defaults: {
    subscribe?: ProxyEndpoint;
    publish?: ProxyEndpoint;
    mapPublish?: ProxyEndpoint;
    mapRemove?: ProxyEndpoint;
    subRefresh?: ProxyEndpoint;
    rpc?: ProxyEndpoint;
    sharedPollRefresh?: ProxyEndpoint;
  } = {};
  private readonly all: ProxyEndpoint[] = [];

  /** `tracer`: spans for calls (`parsec.opentelemetry.proxy`). */
  constructor(config: Readonly<Config>, log: Logger, metrics: Metrics, tracer: Tracer = noTracer) {
    const plog = log.child({ component: 'proxy' });
    // A section's own proxy is `default` in metrics, as Centrifugo names it; named ones by name.
    // `at`: the proxy's config key, for errors about its TLS files.
    const make = (name: string, cfg: ProxyConfig, at: string, metricName = DEFAULT): ProxyEndpoint => {
      let transport: ProxyTransport;
      try {
        transport = transportFor(cfg, at);
      } catch (err) {
        // An unreadable certificate stops the start: the proxies made so far let go of their pools.
        this.close();
        throw err;
      }
      const e = new ProxyEndpoint(name, cfg, transport, plog, metrics, metricName, tracer);
      this.all.push(e);
      plog.info({ proxy: name, endpoint: redacted(cfg.endpoint) }, 'proxy enabled');
      // Centrifugo ignores it the same way; a certificate set up for nothing deserves a word.
      if (cfg.http.tls.enabled && cfg.endpoint.startsWith('http:')) plog.warn({ proxy: name, key: `${at}.http.tls` }, 'TLS is configured but the endpoint is http://: calls go unencrypted');
      return e;
    };
    const { connect, refresh } = config.client.proxy;
    this.connect = connect.enabled ? make('connect', connect, 'client.proxy.connect') : undefined;
    this.refresh = refresh.enabled ? make('refresh', refresh, 'client.proxy.refresh') : undefined;
    for (const [i, p] of config.proxies.entries()) this.named.set(p.name, make(p.name, p, `proxies[${i}]`, p.name));

    const channelOptions: ChannelOptions[] = [config.channel.withoutNamespace, ...config.channel.namespaces];
    const cp = config.channel.proxy;
    const uses = (pick: (o: ChannelOptions) => [boolean, string]): boolean => channelOptions.some((o) => pick(o)[0] && pick(o)[1] === DEFAULT);
    if (uses((o) => [o.subscribeProxyEnabled, o.subscribeProxyName])) this.defaults.subscribe = make('subscribe', cp.subscribe, 'channel.proxy.subscribe');
    if (uses((o) => [o.publishProxyEnabled, o.publishProxyName])) this.defaults.publish = make('publish', cp.publish, 'channel.proxy.publish');
    if (uses((o) => [o.map.publishProxyEnabled, o.map.publishProxyName])) this.defaults.mapPublish = make('map_publish', cp.mapPublish, 'channel.proxy.map_publish');
    if (uses((o) => [o.map.removeProxyEnabled, o.map.removeProxyName])) this.defaults.mapRemove = make('map_remove', cp.mapRemove, 'channel.proxy.map_remove');
    if (uses((o) => [o.subRefreshProxyEnabled, o.subRefreshProxyName])) this.defaults.subRefresh = make('sub_refresh', cp.subRefresh, 'channel.proxy.sub_refresh');
    // A shared-poll namespace always polls: an unset proxy_name means the default one.
    if (uses((o) => [o.subscriptionType === 'shared_poll', o.sharedPoll.proxyName || DEFAULT])) this.defaults.sharedPollRefresh = make('shared_poll_refresh', cp.sharedPollRefresh, 'channel.proxy.shared_poll_refresh');
    const rpcOptions = [config.rpc.withoutNamespace, ...config.rpc.namespaces];
    if (rpcOptions.some((o) => o.proxyEnabled && o.proxyName === DEFAULT)) this.defaults.rpc = make('rpc', config.rpc.proxy, 'rpc.proxy');

    const configs = [connect.enabled ? connect : undefined, refresh.enabled ? refresh : undefined, ...config.proxies, cp.subscribe, cp.publish, cp.mapPublish, cp.mapRemove, cp.subRefresh, config.rpc.proxy];
    const names = (pick: (p: ProxyConfig) => string[]) => new Set(configs.flatMap((p) => (p ? pick(p).map((h) => h.toLowerCase()) : [])));
    this.httpHeaders = names((p) => p.httpHeaders);
    this.emulatedHeaders = names((p) => p.emulatedHeaders);
  }

  subscribe(name: string): SubscribeProxy | undefined {
    return name === DEFAULT ? this.defaults.subscribe : this.named.get(name);
  }

  publish(name: string): PublishProxy | undefined {
    return name === DEFAULT ? this.defaults.publish : this.named.get(name);
  }

  mapPublish(name: string): MapPublishProxy | undefined {
    return name === DEFAULT ? this.defaults.mapPublish : this.named.get(name);
  }

  mapRemove(name: string): MapRemoveProxy | undefined {
    return name === DEFAULT ? this.defaults.mapRemove : this.named.get(name);
  }

  subRefresh(name: string): SubRefreshProxy | undefined {
    return name === DEFAULT ? this.defaults.subRefresh : this.named.get(name);
  }

  rpc(name: string): RpcProxy | undefined {
    return name === DEFAULT ? this.defaults.rpc : this.named.get(name);
  }

  sharedPollRefresh(name: string): SharedPollRefreshProxy | undefined {
    return name === DEFAULT ? this.defaults.sharedPollRefresh : this.named.get(name);
  }

  /** Drops every pooled connection; idempotent. */
  close(): void {
    for (const e of this.all) e.close();
  }
}

/** An endpoint for logs, without credentials in its URL. */
function redacted(endpoint: string): string {
  const u = new URL(endpoint);
  if (u.username || u.password) {
    u.username = '***';
    u.password = '';
  }
  return u.toString();
}

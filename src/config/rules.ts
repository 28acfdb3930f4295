import { formatDuration } from './duration.js';
import { tlsPair } from './tls-pair.js';
import { proxyOptionsProblem } from './proxy-rules.js';
import { mapRules } from './map-rules.js';
import { parsecRules } from './parsec-rules.js';
import { consumerRules } from './consumer-rules.js';
import { engineRules } from './redis-rules.js';
import type { ParsedConfig } from './schema.js';
import { isIP } from 'node:net';
import type { ChannelOptions, ProxyConfig } from './types.js';

/** A rule broken by a valid-looking config: the key it is about and what is wrong. */
export interface RuleViolation {
  key: string;
  detail: string;
}

/**
 * Checks that span keys, which the per-key schema cannot express; each is one Centrifugo
 * refuses to start with. Returns the first violation, or undefined.
 */
export function checkRules(c: ParsedConfig): RuleViolation | undefined {
  return (
    pingPong(c) ??
    writeDelay(c) ??
    channels(c) ??
    mapRules(c) ??
    personalChannel(c) ??
    apiJwks(c.httpApi.jwks, 'http_api') ??
    apiJwks(c.grpcApi.jwks, 'grpc_api') ??
    httpTls(c.httpServer) ??
    tlsPair(c.grpcApi.tls, 'grpc_api') ??
    tlsPair(c.uniGrpc.tls, 'uni_grpc') ??
    uniDisconnectTransforms(c.client.connectCodeToUnidirectionalDisconnect.transforms) ??
    httpResponseTransforms(c.uniSse.connectCodeToHttpResponse.transforms, 'uni_sse') ??
    httpResponseTransforms(c.uniHttpStream.connectCodeToHttpResponse.transforms, 'uni_http_stream') ??
    apiJwks(c.admin.jwks, 'admin') ??
    admin(c.admin) ??
    engineRules(c) ??
    natsBroker(c.broker) ??
    proxies(c) ??
    trustedProxies(c.parsec.trustedProxies) ??
    consumerRules(c.consumers) ??
    parsecRules(c)
  );
}

// Subject tokens are split at '.'; whitespace and the wildcards '*' and '>' have no place in a prefix.
const SUBJECT_PREFIX = /^[^\s.*>]+(\.[^\s.*>]+)*$/;

/** The NATS broker's settings, checked only when it is the broker in use. */
function natsBroker(b: ParsedConfig['broker']): RuleViolation | undefined {
  if (!b.enabled || b.type !== 'nats') return undefined;
  const { url, prefix, dialTimeout, writeTimeout } = b.nats;
  for (const part of url.split(',').map((p) => p.trim())) {
    const bad = natsUrlProblem(part);
    if (bad) return { key: 'broker.nats.url', detail: `${bad}, got ${JSON.stringify(url)}` };
  }
  if (!SUBJECT_PREFIX.test(prefix)) {
    return { key: 'broker.nats.prefix', detail: `expected dot-separated NATS subject tokens without spaces, "*" or ">", got ${JSON.stringify(prefix)}` };
  }
  if (dialTimeout <= 0) return { key: 'broker.nats.dial_timeout', detail: 'must be greater than 0' };
  if (writeTimeout <= 0) return { key: 'broker.nats.write_timeout', detail: 'must be greater than 0' };
  return natsTls(b.nats.tls) ?? natsRawMode(b.nats.rawMode);
}

/** A client certificate goes with its key. */
function natsTls(t: ParsedConfig['broker']['nats']['tls']): RuleViolation | undefined {
  if (!t.enabled) return undefined;
  if (t.certPem && !t.keyPem) return { key: 'broker.nats.tls.key_pem', detail: 'the client certificate (broker.nats.tls.cert_pem) needs its private key' };
  if (t.keyPem && !t.certPem) return { key: 'broker.nats.tls.cert_pem', detail: 'the private key (broker.nats.tls.key_pem) needs its client certificate' };
  return undefined;
}

// Raw subjects are the prefix and the replaced channel name glued together: whatever they add
// must not break a subject apart (whitespace) or turn it into a wildcard.
const SUBJECT_PART = /^[^\s*>]*$/;

function natsRawMode(r: ParsedConfig['broker']['nats']['rawMode']): RuleViolation | undefined {
  if (!r.enabled) return undefined;
  if (!SUBJECT_PART.test(r.prefix)) {
    return { key: 'broker.nats.raw_mode.prefix', detail: `expected part of a NATS subject, without spaces, "*" or ">", got ${JSON.stringify(r.prefix)}` };
  }
  for (const [from, to] of Object.entries(r.channelReplacements)) {
    const key = `broker.nats.raw_mode.channel_replacements.${from}`;
    if (from === '') return { key: 'broker.nats.raw_mode.channel_replacements', detail: 'a replaced string must not be empty' };
    if (!SUBJECT_PART.test(to)) return { key, detail: `expected a replacement without spaces, "*" or ">", got ${JSON.stringify(to)}` };
  }
  return undefined;
}

function natsUrlProblem(part: string): string | undefined {
  let u: URL;
  try {
    u = new URL(part);
  } catch {
    return 'expected nats://host:port (several separated by commas)';
  }
  if (u.protocol !== 'nats:' || !u.hostname || (u.pathname !== '' && u.pathname !== '/') || u.search || u.hash) {
    return 'expected nats://host:port (several separated by commas)';
  }
  // nats.js takes credentials as options, not from the URL; silently dropping them would
  // surface later as an authorization failure that hides the cause.
  if (u.username || u.password) return 'credentials in the URL are not supported yet';
  return undefined;
}

function httpTls(h: ParsedConfig['httpServer']): RuleViolation | undefined {
  if (h.tlsAutocert.enabled) {
    return {
      key: 'http_server.tls_autocert.enabled',
      detail: 'ACME certificates are not supported: give a certificate in http_server.tls (from your own ACME client), or terminate TLS in a proxy',
    };
  }
  if (!h.tls.enabled) return undefined;
  if (!h.tls.certPem) return { key: 'http_server.tls.cert_pem', detail: 'a certificate (PEM, file path or base64) is required when http_server.tls.enabled is true' };
  if (!h.tls.keyPem) return { key: 'http_server.tls.key_pem', detail: 'a private key (PEM, file path or base64) is required when http_server.tls.enabled is true' };
  return undefined;
}

/** Centrifugo's checks: both codes set, and a reason that fits a WebSocket close frame as ASCII. */
function uniDisconnectTransforms(ts: ParsedConfig['client']['connectCodeToUnidirectionalDisconnect']['transforms']): RuleViolation | undefined {
  const at = (i: number) => `client.connect_code_to_unidirectional_disconnect.transforms[${i}]`;
  for (const [i, t] of ts.entries()) {
    if (t.code === 0) return { key: `${at(i)}.code`, detail: 'expected a connect error code (non-zero)' };
    if (t.to.code === 0) return { key: `${at(i)}.to.code`, detail: 'expected a disconnect code (non-zero)' };
    if (!/^[\x00-\x7f]*$/.test(t.to.reason)) return { key: `${at(i)}.to.reason`, detail: 'must be ASCII' };
  }
  return undefined;
}

function httpResponseTransforms(ts: ParsedConfig['uniSse']['connectCodeToHttpResponse']['transforms'], section: string): RuleViolation | undefined {
  const at = (i: number) => `${section}.connect_code_to_http_response.transforms[${i}]`;
  for (const [i, t] of ts.entries()) {
    if (t.code === 0) return { key: `${at(i)}.code`, detail: 'expected a connect error code (non-zero)' };
    if (t.to.statusCode < 100) return { key: `${at(i)}.to.status_code`, detail: 'expected an HTTP status code' };
  }
  return undefined;
}

function apiJwks(j: ParsedConfig['httpApi']['jwks'], section: string): RuleViolation | undefined {
  if (!j.enabled) return undefined;
  if (!j.endpoint) return { key: `${section}.jwks.endpoint`, detail: `required when ${section}.jwks.enabled is true` };
  if (!/^https?:\/\//.test(j.endpoint)) return { key: `${section}.jwks.endpoint`, detail: `expected an http(s):// URL, got ${JSON.stringify(j.endpoint)}` };
  return undefined;
}

/** An enabled admin UI needs a way in: a password or a JWKS, and a secret to sign sessions with. */
function admin(a: ParsedConfig['admin']): RuleViolation | undefined {
  if (!a.enabled || a.insecure) return undefined;
  if (!a.password && !a.jwks.enabled) return { key: 'admin.password', detail: 'required when admin.enabled is true (or enable admin.jwks, or admin.insecure for development)' };
  if (!a.secret) return { key: 'admin.secret', detail: 'required when admin.enabled is true: it signs the admin sessions' };
  if (a.sessionTtl <= 0) return { key: 'admin.session_ttl', detail: 'must be greater than 0' };
  return undefined;
}

function pingPong(c: ParsedConfig): RuleViolation | undefined {
  const { pingInterval, pongTimeout } = c.client;
  if (pongTimeout === 0 || pingInterval > pongTimeout) return undefined;
  return {
    key: 'client.ping_interval',
    detail:
      `must be greater than client.pong_timeout, but ${formatDuration(pingInterval)} <= ${formatDuration(pongTimeout)}` +
      (pingInterval === 0 ? ' (to turn pings off, set client.pong_timeout to 0 too)' : ''),
  };
}

/** A ping waits for the write delay too: a delay as long as the pong timeout would end every session. */
function writeDelay(c: ParsedConfig): RuleViolation | undefined {
  const { writeDelay, pongTimeout } = c.client;
  if (pongTimeout === 0 || writeDelay < pongTimeout) return undefined;
  return {
    key: 'client.write_delay',
    detail: `must be less than client.pong_timeout (a ping waits for it too), but ${formatDuration(writeDelay)} >= ${formatDuration(pongTimeout)}`,
  };
}

function channels(c: ParsedConfig): RuleViolation | undefined {
  const { historyMetaTtl } = c.channel;
  if (historyMetaTtl % 1000 !== 0) return wholeSeconds('channel.history_meta_ttl', '', historyMetaTtl);
  const top = channelOptions(c.channel.withoutNamespace, 'channel.without_namespace', '', historyMetaTtl);
  if (top) return top;
  const seen = new Map<string, number>();
  for (const [i, ns] of c.channel.namespaces.entries()) {
    const at = `channel.namespaces[${i}]`;
    const context = `namespace ${JSON.stringify(ns.name)}: `;
    const first = seen.get(ns.name);
    if (first !== undefined) return { key: `${at}.name`, detail: `${context}already defined at channel.namespaces[${first}]; names must be unique` };
    seen.set(ns.name, i);
    const broken = channelOptions(ns, at, context, historyMetaTtl);
    if (broken) return broken;
  }
  return undefined;
}

function channelOptions(o: ChannelOptions, at: string, context: string, globalMetaTtl: number): RuleViolation | undefined {
  if (o.historyTtl % 1000 !== 0) return wholeSeconds(`${at}.history_ttl`, context, o.historyTtl);
  if (o.historyMetaTtl % 1000 !== 0) return wholeSeconds(`${at}.history_meta_ttl`, context, o.historyMetaTtl);
  if (o.historySize > 0 && o.historyTtl === 0) {
    return { key: `${at}.history_ttl`, detail: `${context}history_size is ${o.historySize} but history_ttl is 0; history needs both` };
  }
  if (o.historyTtl > 0 && o.historySize === 0) {
    return { key: `${at}.history_size`, detail: `${context}history_ttl is ${formatDuration(o.historyTtl)} but history_size is 0; history needs both` };
  }
  const metaTtl = o.historyMetaTtl || globalMetaTtl;
  if (o.historyTtl > metaTtl) {
    return {
      key: `${at}.history_ttl`,
      detail: `${context}history_ttl (${formatDuration(o.historyTtl)}) must not be greater than history_meta_ttl (${formatDuration(metaTtl)})`,
    };
  }
  for (const [flag, key] of [[o.forceRecovery, 'force_recovery'], [o.allowRecovery, 'allow_recovery']] as const) {
    if (flag && o.historySize === 0) return { key: `${at}.${key}`, detail: `${context}recovery needs history; set history_size and history_ttl` };
  }
  return undefined;
}

// Centrifugo keeps history TTLs in whole seconds and refuses anything finer.
function wholeSeconds(key: string, context: string, ms: number): RuleViolation {
  return { key, detail: `${context}expected whole seconds, got ${formatDuration(ms)}` };
}

function personalChannel(c: ParsedConfig): RuleViolation | undefined {
  const { enabled, personalChannelNamespace: ns, singleConnection } = c.client.subscribeToUserPersonalChannel;
  if (!enabled) return undefined;
  const options = ns === '' ? c.channel.withoutNamespace : c.channel.namespaces.find((n) => n.name === ns);
  if (!options) return { key: 'client.subscribe_to_user_personal_channel.personal_channel_namespace', detail: `no namespace named ${JSON.stringify(ns)} in channel.namespaces` };
  // As Centrifugo: the other connections are found by the personal channel's presence.
  if (singleConnection && !options.presence) {
    const where = ns === '' ? 'channel.without_namespace' : `namespace ${JSON.stringify(ns)}`;
    return { key: 'client.subscribe_to_user_personal_channel.single_connection', detail: `needs presence on in ${where}, the personal channel's options` };
  }
  return undefined;
}

const PROXY_SCHEMES = ['http:', 'https:', 'grpc:'];

/** An endpoint Parsec can call: `http(s)://…` or `grpc://host:port`. */
function endpointProblem(endpoint: string): string | undefined {
  if (!endpoint) return 'an endpoint is required (http://…, https://… or grpc://host:port)';
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    return `expected an http://, https:// or grpc:// URL, got ${JSON.stringify(endpoint)}`;
  }
  if (!PROXY_SCHEMES.includes(u.protocol)) return `expected an http://, https:// or grpc:// URL, got ${JSON.stringify(endpoint)}`;
  if (u.protocol === 'grpc:' && (!u.hostname || !u.port)) return `expected grpc://host:port, got ${JSON.stringify(endpoint)}`;
  return undefined;
}

function proxyProblem(p: ProxyConfig, at: string): RuleViolation | undefined {
  const bad = endpointProblem(p.endpoint);
  if (bad) return { key: `${at}.endpoint`, detail: bad };
  if (p.timeout <= 0) return { key: `${at}.timeout`, detail: 'must be greater than 0' };
  return proxyOptionsProblem(p, at);
}

/**
 * Proxies in use: enabled connect/refresh proxies, named proxies, and the proxy every enabled
 * channel or RPC option refers to (`default` = its section's own proxy, else a `proxies[]` name).
 */
function proxies(c: ParsedConfig): RuleViolation | undefined {
  for (const kind of ['connect', 'refresh'] as const) {
    const p = c.client.proxy[kind];
    if (p.enabled) {
      const bad = proxyProblem(p, `client.proxy.${kind}`);
      if (bad) return bad;
    }
  }
  const named = new Map<string, number>();
  for (const [i, p] of c.proxies.entries()) {
    const first = named.get(p.name);
    if (first !== undefined) return { key: `proxies[${i}].name`, detail: `${JSON.stringify(p.name)} is already the name of proxies[${first}]` };
    if (p.name === 'default') return { key: `proxies[${i}].name`, detail: '"default" is reserved for the proxy of each section (channel.proxy.*, rpc.proxy)' };
    named.set(p.name, i);
    const bad = proxyProblem(p, `proxies[${i}]`);
    if (bad) return bad;
  }
  const reference = (enabled: boolean, name: string, key: string, fallback: ProxyConfig, fallbackKey: string): RuleViolation | undefined => {
    if (!enabled) return undefined;
    if (name === 'default') return proxyProblem(fallback, fallbackKey);
    if (!named.has(name)) return { key, detail: `no proxy named ${JSON.stringify(name)} in proxies[]` };
    return undefined;
  };
  const channelSections = [
    ['', c.channel.withoutNamespace, 'channel.without_namespace'] as const,
    ...c.channel.namespaces.map((ns, i) => [ns.name, ns, `channel.namespaces[${i}]`] as const),
  ];
  const cp = c.channel.proxy;
  for (const [, o, at] of channelSections) {
    const broken =
      reference(o.subscribeProxyEnabled, o.subscribeProxyName, `${at}.subscribe_proxy_name`, cp.subscribe, 'channel.proxy.subscribe') ??
      reference(o.publishProxyEnabled, o.publishProxyName, `${at}.publish_proxy_name`, cp.publish, 'channel.proxy.publish') ??
      reference(o.subRefreshProxyEnabled, o.subRefreshProxyName, `${at}.sub_refresh_proxy_name`, cp.subRefresh, 'channel.proxy.sub_refresh') ??
      reference(o.map.publishProxyEnabled, o.map.publishProxyName, `${at}.map.publish_proxy_name`, cp.mapPublish, 'channel.proxy.map_publish') ??
      reference(o.map.removeProxyEnabled, o.map.removeProxyName, `${at}.map.remove_proxy_name`, cp.mapRemove, 'channel.proxy.map_remove') ??
      reference(
        o.subscriptionType === 'shared_poll',
        o.sharedPoll.proxyName || 'default',
        `${at}.shared_poll.proxy_name`,
        cp.sharedPollRefresh,
        'channel.proxy.shared_poll_refresh',
      );
    if (broken) return broken;
  }
  const rpcSections = [['rpc.without_namespace', c.rpc.withoutNamespace] as const, ...c.rpc.namespaces.map((ns, i) => [`rpc.namespaces[${i}]`, ns] as const)];
  for (const [at, o] of rpcSections) {
    const broken = reference(o.proxyEnabled, o.proxyName, `${at}.proxy_name`, c.rpc.proxy, 'rpc.proxy');
    if (broken) return broken;
  }
  return undefined;
}

/** `parsec.trusted_proxies`: IP addresses or CIDR ranges. */
function trustedProxies(list: string[]): RuleViolation | undefined {
  for (const [i, entry] of list.entries()) {
    const [addr, bits, extra] = entry.split('/');
    const family = isIP(addr ?? '');
    const max = family === 4 ? 32 : 128;
    const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= max);
    if (family === 0 || !okBits || extra !== undefined) {
      return { key: `parsec.trusted_proxies[${i}]`, detail: `expected an IP address or a CIDR range like "10.0.0.0/8", got ${JSON.stringify(entry)}` };
    }
  }
  return undefined;
}

import { LabelsError, parseLabels, type ConnectionClaims, type Labels, type ServerSideSubscription } from '../../auth/index.js';
import {
  ClientError,
  DisconnectCode,
  DisconnectError,
  ErrorCode,
  type ConnectRequest,
  type ConnectResult,
  type SubscribeResult,
} from '../../protocol/index.js';
import type { ChannelInfo } from '../channels/channel-rules.js';
import { NO_APP, type Client, type Credentials } from './client.js';
import type { HandlerOutcome } from './dispatch.js';
import { asClientError } from '../engine-errors.js';
import { refuseRevoked, TOKEN_REVOKED_REASON } from '../cluster/revocation.js';
import { refuseBlocked } from '../cluster/blocks.js';
import { checkConnectLimit } from './rate-limit-check.js';
import { singleConnection } from './single-connection.js';
import { expiry, serverSideOptions, subscribeChannel } from '../channels/subscribe-core.js';
import { serverSideRefusal } from '../channels/map-channel.js';
import { verifyConnectionToken, verifyConnectionTokenNow } from './token-outcomes.js';
import { callerOf, keptEmulatedHeaders } from './proxy-caller.js';
import type { ConnectOutcome } from '../../proxy/index.js';

/** Who connected, the server-side subscriptions they get, and connect-result `data` (connect proxy). */
interface Identity {
  creds: Credentials;
  subs: Map<string, ServerSideSubscription>;
  data?: Uint8Array;
}

/**
 * The session's identity: from its token; else from the connect proxy; else anonymous when
 * the config allows connecting without one; else the user a trusted reverse proxy named in
 * `client.user_id_http_header`. That last place is Centrifugo's: the header fills in only
 * when nothing else gave credentials, so with anonymous access on it is never read.
 * Known without a promise for a plain HMAC token and no revocation store (the usual connect).
 */
function identify(client: Client, req: ConnectRequest): Identity | Promise<Identity> {
  const { config } = client.node;
  const { connectionTokens: verifier, proxies } = client.node.deps;
  if (req.token && (verifier.configured || !config.client.insecure)) {
    const claims = verifyConnectionTokenNow(client, req.token);
    if (claims) return fromToken(client, claims);
    return verifyConnectionToken(client, req.token, 'connect').then((c) => fromToken(client, c));
  }
  if (!req.token && proxies.connect) return byConnectProxy(client, req);
  return withoutToken(client);
}

/** A verified token's identity, once it is not anonymous where that is refused, expired or revoked. */
function fromToken(client: Client, claims: ConnectionClaims): Identity | Promise<Identity> {
  const { config, clock } = client.node;
  if (claims.user === '' && config.client.disallowAnonymousConnectionTokens) throw new DisconnectError(DisconnectCode.permissionDenied);
  if (claims.expireAt && claims.expireAt * 1000 <= clock.now()) throw new ClientError(ErrorCode.expired);
  const identity: Identity = {
    creds: {
      user: claims.user,
      expireAt: claims.expireAt,
      info: claims.info,
      meta: claims.meta,
      tokenId: claims.tokenId,
      issuedAt: claims.issuedAt,
      labels: claims.labels,
      topicAcl: claims.topicAcl,
    },
    subs: claims.subs,
  };
  const revoked = refuseRevoked(client, [claims], () => new DisconnectError(DisconnectCode.invalidToken, TOKEN_REVOKED_REASON));
  return revoked ? revoked.then(() => identity) : identity;
}

async function byConnectProxy(client: Client, req: ConnectRequest): Promise<Identity> {
  const outcome = await client.node.deps.proxies.connect!.connect(callerOf(client), { name: req.name, version: req.version, data: req.data });
  return outcome ? fromConnectProxy(client, outcome) : withoutToken(client);
}

/** No token (or none the config reads) and no connect proxy answer. */
function withoutToken(client: Client): Identity {
  const { config } = client.node;
  if (config.client.insecure || config.client.allowAnonymousConnectWithoutToken) {
    return { creds: { user: '', expireAt: 0 }, subs: new Map() };
  }
  const { headerUser } = client.transport.request;
  if (headerUser !== '') return { creds: { user: headerUser, expireAt: 0 }, subs: new Map() };
  client.log.info('connect without token refused');
  throw new DisconnectError(DisconnectCode.badRequest);
}

/** The backend's answer: `channels` get the namespace options, `subs` their own; labels within the token's bounds. */
function fromConnectProxy(client: Client, o: ConnectOutcome): Identity {
  const subs = new Map<string, ServerSideSubscription>(o.channels.map((ch) => [ch, {}]));
  for (const [ch, s] of o.subs) subs.set(ch, { info: s.info, data: s.data, override: s.override });
  let labels: Labels | undefined;
  try {
    labels = o.labels ? parseLabels(o.labels) : undefined;
  } catch (err) {
    if (!(err instanceof LabelsError)) throw err;
    // The backend's fault, not the client's: logged like any malformed answer, and retried by the SDK.
    client.log.error({ proxy: 'connect', reason: err.message }, 'connect proxy answered unusable labels');
    throw new ClientError(ErrorCode.internal);
  }
  return {
    creds: { user: o.user, expireAt: o.expireAt, info: o.info, meta: o.meta, labels },
    subs,
    data: o.data,
  };
}

function checkLimits(client: Client, user: string): void {
  const { config, hub } = client.node;
  const { connectionLimit, userConnectionLimit } = config.client;
  if (connectionLimit > 0 && hub.numClients >= connectionLimit) {
    client.log.warn({ limit: connectionLimit }, 'node connection limit reached');
    throw new DisconnectError(DisconnectCode.connectionLimit);
  }
  if (userConnectionLimit > 0 && user !== '' && hub.userClients(user).size >= userConnectionLimit) {
    throw new DisconnectError(DisconnectCode.connectionLimit);
  }
}

/** Server-side subscriptions: the token's `channels`/`subs` plus the personal channel when configured. */
function serverSideChannels(client: Client, user: string, subs: Map<string, ServerSideSubscription>): Array<[ChannelInfo, ServerSideSubscription]> {
  const { config, rules } = client.node;
  const personal = config.client.subscribeToUserPersonalChannel;
  const all = new Map(subs);
  if (personal.enabled && user !== '') {
    const channel = rules.personalChannel(personal.personalChannelNamespace, user);
    if (!all.has(channel)) all.set(channel, {});
  }
  if (all.size > config.client.channelLimit) throw new DisconnectError(DisconnectCode.channelLimit);
  // Resolve all first: an unknown namespace, or one of a kind only clients subscribe to, fails the connect before anything is set up.
  return [...all].map(([channel, opts]) => {
    const ch = rules.resolve(channel);
    const refusal = serverSideRefusal(ch);
    if (refusal) {
      client.log.info({ user, channel }, 'server-side subscription refused: not a stream channel');
      throw new ClientError(ErrorCode.badRequest, refusal);
    }
    return [ch, opts];
  });
}

/**
 * Connects the session. The outcome comes without a promise when nothing on the way needs
 * one (see `identify`; no per-user cluster limit, no server-side subscriptions): the session
 * then connects and takes its next command in the same turn.
 */
export function handleConnect(client: Client, req: ConnectRequest): HandlerOutcome | Promise<HandlerOutcome> {
  let outcome: HandlerOutcome | Promise<HandlerOutcome>;
  try {
    outcome = connect(client, req);
  } catch (caught) {
    throw connectFailed(client, caught);
  }
  return outcome instanceof Promise
    ? outcome.catch((caught: unknown) => {
        throw connectFailed(client, caught);
      })
    : outcome;
}

function connectFailed(client: Client, caught: unknown): unknown {
  const err = asClientError(caught);
  // After a failed connect the connection is unusable: any further command ends it (3501).
  if (err instanceof ClientError) client.state = 'failed';
  return err;
}

function connect(client: Client, req: ConnectRequest): HandlerOutcome | Promise<HandlerOutcome> {
  client.emulatedHeaders = keptEmulatedHeaders(client, req.headers);
  const identity = identify(client, req);
  return identity instanceof Promise ? identity.then((id) => admit(client, req, id)) : admit(client, req, identity);
}

/** Blocks and the per-user connect limit, once the user is known. */
function admit(client: Client, req: ConnectRequest, identity: Identity): HandlerOutcome | Promise<HandlerOutcome> {
  refuseBlocked(client, identity.creds.user);
  const limited = checkConnectLimit(client, identity.creds.user);
  return limited ? limited.then(() => register(client, req, identity)) : register(client, req, identity);
}

/** The node's and the user's connection limits; with `single_connection`, the user's other sessions end. */
function register(client: Client, req: ConnectRequest, identity: Identity): HandlerOutcome | Promise<HandlerOutcome> {
  checkLimits(client, identity.creds.user);
  const single = singleConnection(client, identity.creds.user);
  return single ? single.then(() => enter(client, req, identity)) : enter(client, req, identity);
}

/** Registers the session in the hub and makes its server-side subscriptions. */
function enter(client: Client, req: ConnectRequest, { creds, subs, data }: Identity): HandlerOutcome | Promise<HandlerOutcome> {
  const { node } = client;
  const channels = serverSideChannels(client, creds.user, subs);
  if (client.state !== 'connecting') throw new DisconnectError(DisconnectCode.badRequest);

  client.credentials = creds;
  client.app = req.name || req.version ? { name: req.name ?? '', version: req.version ?? '' } : NO_APP;
  node.hub.add(client);
  // From here on teardown must undo the hub registration, so the session counts as connected.
  client.state = 'connected';
  if (channels.length === 0) return connected(client, req, creds, data, undefined, NO_AFTERS);
  return subscribeServerSide(client, req, channels).then(({ results, afters }) => connected(client, req, creds, data, results, afters));
}

async function subscribeServerSide(
  client: Client,
  req: ConnectRequest,
  channels: Array<[ChannelInfo, ServerSideSubscription]>,
): Promise<{ results: Record<string, SubscribeResult>; afters: Array<() => void> }> {
  const { node } = client;
  const results: Record<string, SubscribeResult> = {};
  const afters: Array<() => void> = [];
  try {
    for (const [ch, opts] of channels) {
      const recover = req.subs?.[ch.channel];
      const { result, after } = await subscribeChannel(client, {
        ch,
        options: serverSideOptions(ch, opts.override, opts.info, 0),
        recoverFrom: recover?.recover ? { offset: recover.offset ?? 0, epoch: recover.epoch ?? '' } : undefined,
        rejectUnrecovered: false,
        compact: false,
        data: opts.data,
      });
      results[ch.channel] = result;
      afters.push(after);
    }
  } catch (err) {
    // Undo the half-made session so the failed connect leaves nothing behind.
    for (const channel of client.subscriptions.keys()) await client.unsubscribe(channel);
    node.hub.remove(client);
    client.state = 'connecting';
    throw err;
  }
  return { results, afters };
}

const NO_AFTERS: ReadonlyArray<() => void> = [];

/** The connect reply, and what runs once it is queued. */
function connected(
  client: Client,
  req: ConnectRequest,
  creds: Credentials,
  data: Uint8Array | undefined,
  results: Record<string, SubscribeResult> | undefined,
  afters: ReadonlyArray<() => void>,
): HandlerOutcome {
  const { node } = client;
  const { config } = node;
  const transport = client.transport;
  const result: ConnectResult = {
    client: client.id,
    version: node.deps.version,
    // With a refresh proxy the server extends the session itself: the client is not told of an expiry.
    ...(node.deps.proxies.refresh ? {} : expiry(creds.expireAt, node.clock.now())),
    data,
    subs: results && Object.keys(results).length > 0 ? results : undefined,
    ping: transport.pings ? Math.floor(config.client.pingInterval / 1000) || undefined : undefined,
    pong: (transport.pong && config.client.pongTimeout > 0) || undefined,
    session: client.session || undefined,
    node: transport.emulation ? node.id : undefined,
    time: config.client.connectIncludeServerTime ? node.clock.now() : undefined,
  };
  client.logDebug({ user: creds.user, transport: transport.name, protocol: transport.protocol, name: req.name }, 'client connected');
  return {
    reply: { connect: result },
    after: () => {
      client.markConnected();
      for (const a of afters) a();
    },
  };
}

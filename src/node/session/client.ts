import type { Logger } from 'pino';
import type { Labels, TopicAcl } from '../../auth/index.js';
import { CompactMap, newSessionId, type TimerHandle, type TimerWheel, type WheelEntry } from '../../lib/index.js';
import {
  ClientError,
  DisconnectCode,
  DisconnectError,
  ErrorCode,
  FrameDecodeError,
  PayloadNotJsonError,
  UnsubscribeCode,
  codecFor,
  shouldReconnect,
  unsubscribeReasons,
  type ClientInfo,
  type Command,
  type ProtocolCodec,
  type Reply,
} from '../../protocol/index.js';
import { FrameType, type TransportCounts } from '../../metrics/index.js';
import type { ConnectionLimits, UserBuckets } from '../../moderation/index.js';
import { dispatchCommand, methodOf } from './dispatch.js';
import { commandFrameType, pushFrameType, replyFrameType } from './frame-types.js';
import { countClientError } from './rate-limit-check.js';
import { EncodedReply } from '../channels/encoded-reply.js';
import { asClientError } from '../engine-errors.js';
import { refreshByProxy } from './proxy-refresh.js';
import type { Node } from '../node.js';
import { ChannelSubscription, type SubscriptionOwner } from '../channels/subscription.js';
import type { SessionSubscription } from '../channels/session-subscription.js';
import { NO_HEADERS, type Transport } from '../transport.js';
import { ClientWriter } from './writer.js';
import type { WriteBatches } from './write-batches.js';

export type ClientState = 'connecting' | 'connected' | 'failed' | 'closed';

/**
 * The server's ping, encoded once per codec for every session: the pings one wheel tick sends
 * are the same bytes, so writers flushed together share one frame, framed once.
 */
const PING = new EncodedReply({});

/** Client app as the SDK names it in connect. */
export interface ClientApp {
  name: string;
  version: string;
}

/** Shared by every session whose SDK gave no name or version: an idle session keeps no copy. */
export const NO_APP: Readonly<ClientApp> = Object.freeze({ name: '', version: '' });

/** The labels of a session that has none, shared. */
const NO_LABELS: Readonly<Labels> = Object.freeze({});

/** Connection identity established by `connect`. */
export interface Credentials {
  user: string;
  /** Unix seconds; 0 = never expires. */
  expireAt: number;
  info?: Uint8Array;
  meta?: Uint8Array;
  tokenId?: string;
  /** Set at connect (token claim or connect proxy) and fixed for the connection's life. */
  labels?: Labels;
  /** The token's `iat`, unix seconds: a user revocation ends sessions whose token is not newer. */
  issuedAt?: number;
  /** The token's `topicAcl` claim: what an MQTT client may publish and subscribe to. */
  topicAcl?: TopicAcl;
}

/**
 * One client session: its state machine, command queue, subscriptions, keepalive
 * and write path. Command semantics live in the handler modules (`dispatch.ts`).
 */
export class Client implements SubscriptionOwner, WheelEntry {
  readonly id: string;
  /**
   * Emulated transports: the id `/emulation` requests address this session by. Unidirectional
   * ones get one too, for the connect result only, as in Centrifugo. '' otherwise.
   */
  readonly session: string;
  readonly codec: ProtocolCodec;
  state: ClientState = 'connecting';
  credentials: Credentials = { user: '', expireAt: 0 };
  /** The SDK's `name` and `version` from connect, for the connections API. */
  app: Readonly<ClientApp> = NO_APP;
  /** Unix ms when connect succeeded; 0 before. */
  connectedAt = 0;
  /** By channel; compact because most sessions hold one subscription. */
  readonly subscriptions = new CompactMap<string, SessionSubscription>();
  /** Headers from the connect command that some proxy forwards (lower-case names). */
  emulatedHeaders: Readonly<Record<string, string>> = NO_HEADERS;
  private readonly writer: ClientWriter;
  /** This session's transport's message counts (`centrifugo_transport_messages_*`). */
  private readonly counts: TransportCounts;
  private logger: Logger | undefined;
  /** Set while commands run: those that arrive meanwhile wait in it. */
  private waiting: Command[] | undefined;
  /** With `client.concurrency`: resumes a run sleeping on its waiting commands when a frame comes. */
  private wake: (() => void) | undefined;
  /** Its place among the node's sessions not connected yet; -1 once connected. */
  private stalePlace: number;
  /**
   * The session is its own ping timer on the wheel (`onWheel` pings): the wheel's tick of
   * the next ping, -1 while pings are not scheduled. No timer object per idle session.
   */
  wheelTick = -1;
  private pongTimer: TimerHandle | undefined;
  expireTimer: TimerHandle | undefined;
  /** This connection's rate-limit buckets, made on its first limited command. */
  limits: ConnectionLimits | undefined;
  /** Its user's rate-limit entry, once a limited command looked it up. */
  userLimits: UserBuckets | undefined;
  /** Its session's handle when the activity store is in this process (-1 otherwise), handed back with its end. */
  private activitySession = -1;

  constructor(
    readonly node: Node,
    readonly transport: Transport,
    id: string,
  ) {
    this.id = id;
    this.session = transport.emulation || transport.unidirectional ? newSessionId() : '';
    this.codec = codecFor(transport.protocol, transport.unidirectional);
    this.writer = new ClientWriter(this);
    this.counts = node.deps.metrics.transport.counts(transport.name);
    node.trackSession(this);
    this.stalePlace = node.connecting.add(this);
  }

  get maxQueueBytes(): number {
    return this.node.config.client.queueMaxSize;
  }

  /**
   * `websocket.write_timeout`, for the emulated streams too: a response nobody reads holds
   * memory just as a socket does (Centrifugo bounds its unidirectional streams the same way).
   */
  get writeTimeout(): number {
    return this.node.config.websocket.writeTimeout;
  }

  get wheel(): TimerWheel {
    return this.node.deps.wheel;
  }

  get maxMessagesInFrame(): number {
    return this.node.config.client.maxMessagesInFrame;
  }

  get writeBatches(): WriteBatches | undefined {
    return this.node.writeBatches;
  }

  /** The writer's queue overflowed: the client reads too slowly. */
  onWriterOverflow(): void {
    this.log.warn({ user: this.user }, 'slow consumer disconnected');
    this.disconnect(DisconnectCode.slow);
  }

  /**
   * A write sat in the socket past `writeTimeout`: a slow consumer by another measure. The
   * socket is dropped without a close frame or disconnect push, which a peer that reads
   * nothing would never take.
   */
  onWriteTimeout(): void {
    if (this.state === 'closed') return;
    this.node.metrics.client.serverDisconnect(DisconnectCode.slow);
    this.log.warn({ user: this.user, code: DisconnectCode.slow, timeout: this.writeTimeout }, 'slow consumer disconnected: write timed out');
    this.teardown(DisconnectCode.slow, 'write timeout');
    this.transport.abort();
  }

  /** The connect did not come (or failed) within `client.stale_close_delay`. */
  closeIfStale(): void {
    if (this.state === 'connecting' || this.state === 'failed') this.disconnect(DisconnectCode.stale);
  }

  /**
   * Built on first use: most sessions never log, and a child logger per connection
   * (bindings serialised up front) is a large part of an idle connection's memory.
   */
  get log(): Logger {
    return (this.logger ??= this.node.log.child({ component: 'client', client: this.id }));
  }

  /** A debug line, without building the session's logger when debug is off (the usual case). */
  logDebug(fields: object, msg: string): void {
    if (this.node.log.isLevelEnabled('debug')) this.log.debug(fields, msg);
  }

  get user(): string {
    return this.credentials.user;
  }

  get labels(): Labels | undefined {
    return this.credentials.labels;
  }

  get tokenId(): string | undefined {
    return this.credentials.tokenId;
  }

  get insecure(): boolean {
    return this.node.config.client.insecure;
  }

  /** This client's ClientInfo (presence, join/leave, publications). */
  info(): ClientInfo {
    return { user: this.user, client: this.id, connInfo: this.credentials.info };
  }

  /** Handles one inbound frame: decodes every command and runs them in order. */
  handleFrame(frame: Uint8Array): void {
    if (this.state === 'closed') return;
    let commands: Command[];
    try {
      commands = this.codec.decodeCommands(frame);
    } catch (err) {
      this.log.info({ err: err instanceof FrameDecodeError ? err.message : err }, 'bad frame');
      this.disconnect(DisconnectCode.badRequest);
      return;
    }
    if (commands.length === 0) {
      this.disconnect(DisconnectCode.badRequest);
      return;
    }
    // A frame's commands share its size: the codec does not say where each one ends.
    const size = frame.length / commands.length;
    for (const cmd of commands) {
      const method = methodOf(cmd);
      this.counts.countReceived(method === undefined ? FrameType.client_pong : commandFrameType[method], size);
    }
    if (this.waiting) {
      this.waiting.push(...commands);
      this.wake?.();
      return;
    }
    void this.runCommands(commands);
  }

  /**
   * Runs commands across frames, in arrival order: one at a time, or with
   * `client.concurrency` up to that many waiting at once (their replies then come as each
   * finishes; a connect always runs alone). A queue rather than a promise chain: an idle
   * session then holds no promise. A command that completes without a promise (a connect
   * with an HMAC token, most subscribes) is not awaited.
   */
  private async runCommands(commands: Command[]): Promise<void> {
    this.waiting = [];
    const limit = this.node.config.client.concurrency;
    let inFlight: Set<Promise<void>> | undefined;
    try {
      // The first command runs in a later microtask, as it did behind a resolved promise.
      await undefined;
      let batch = commands;
      for (;;) {
        for (const cmd of batch) {
          if (this.state === 'closed') return;
          const pending = this.runCommand(cmd);
          if (!pending) continue;
          if (limit <= 1 || cmd.connect !== undefined) {
            await pending;
            continue;
          }
          const running = (inFlight ??= new Set());
          const tracked: Promise<void> = pending.finally(() => running.delete(tracked));
          running.add(tracked);
          if (running.size >= limit) await Promise.race(running);
        }
        batch = this.waiting;
        this.waiting = [];
        if (batch.length > 0) continue;
        // Frames arriving while commands still wait join this run, so the bound holds across
        // frames: the run sleeps until a command finishes or a frame comes (`wake`).
        if (inFlight === undefined || inFlight.size === 0) break;
        await Promise.race([...inFlight, new Promise<void>((resolve) => (this.wake = resolve))]);
        this.wake = undefined;
        batch = this.waiting;
        this.waiting = [];
      }
    } finally {
      this.waiting = undefined;
      this.wake = undefined;
    }
  }

  /** Runs one command; a promise only while it waits on something. */
  private runCommand(cmd: Command): Promise<void> | undefined {
    const method = methodOf(cmd);
    const frameType = method === undefined ? FrameType.unknown : commandFrameType[method];
    // Pongs are not commands to time, as in the centrifuge library.
    const started = this.node.metrics.enabled && method !== undefined ? performance.now() : 0;
    let after: (() => void) | undefined;
    try {
      const pending = dispatchCommand(this, cmd, method);
      if (pending instanceof Promise) {
        return pending.then(
          (later) => this.commandDone(cmd, frameType, started, later),
          (caught: unknown) => this.commandRefused(cmd, frameType, started, caught),
        );
      }
      after = pending;
    } catch (caught) {
      this.commandRefused(cmd, frameType, started, caught);
      return undefined;
    }
    this.commandDone(cmd, frameType, started, after);
    return undefined;
  }

  /** A command's end: its `after` work (one that throws counts as the command failing), then its timing. */
  private commandDone(cmd: Command, frameType: number, started: number, after: (() => void) | undefined): void {
    try {
      after?.();
    } catch (err) {
      this.commandFailed(cmd, frameType, err);
    } finally {
      this.observeCommand(frameType, started);
    }
  }

  private commandRefused(cmd: Command, frameType: number, started: number, caught: unknown): void {
    try {
      this.commandFailed(cmd, frameType, caught);
    } finally {
      this.observeCommand(frameType, started);
    }
  }

  private observeCommand(frameType: number, started: number): void {
    if (started > 0) this.node.metrics.client.observeCommand(frameType, (performance.now() - started) / 1000);
  }

  private commandFailed(cmd: Command, frameType: number, caught: unknown): void {
    const { metrics } = this.node;
    const err = asClientError(caught);
    if (err instanceof DisconnectError) {
      this.disconnect(err.code, err.reason);
    } else if (err instanceof ClientError) {
      metrics.client.replyError(frameType, err.code);
      if (cmd.id > 0) this.sendReply({ id: cmd.id, error: { code: err.code, message: err.message, temporary: err.temporary || undefined } }, undefined, frameType);
      this.countError(err.code);
    } else {
      this.log.error({ err, user: this.user }, 'command failed');
      metrics.client.replyError(frameType, ErrorCode.internal);
      if (cmd.id > 0) this.sendReply({ id: cmd.id, error: { code: ErrorCode.internal, message: 'internal server error', temporary: true } }, undefined, frameType);
    }
  }

  /** Charges a client error to the connection's error budget; past it the connection ends. */
  private countError(code: number): void {
    try {
      countClientError(this, code);
    } catch (err) {
      if (!(err instanceof DisconnectError)) throw err;
      this.log.warn({ user: this.user }, 'connection over its client error budget disconnected');
      this.disconnect(err.code, err.reason);
    }
  }

  /**
   * Queues a reply; `channel` names the command's channel in the log if a payload is refused,
   * `command` the command it answers (its `FrameType`), for the transport's message counts.
   */
  sendReply(reply: Reply, channel?: string, command?: number): void {
    let bytes: Uint8Array;
    try {
      bytes = this.codec.encodeReply(reply);
    } catch (err) {
      if (!(err instanceof PayloadNotJsonError)) throw err;
      this.refusePayload(channel ?? reply.push?.channel, err);
      return;
    }
    this.counts.countSent(replyFrameType(reply, command), 1, bytes.length);
    // A reply to a command skips the write delay when `client.reply_without_queue` says so.
    this.writer.enqueue(bytes, (reply.id ?? 0) > 0 && this.node.config.client.replyWithoutQueue);
  }

  send(encoded: EncodedReply): void {
    const bytes = encoded.for(this.codec);
    if (bytes) {
      const push = encoded.reply.push;
      this.counts.countSent(push ? pushFrameType(push) : FrameType.unknown, 1, bytes.length);
      this.writer.enqueue(bytes);
    } else {
      this.refusePayload(encoded.reply.push?.channel, encoded.takeRefusal());
    }
  }

  /**
   * A payload this session's protocol cannot carry (not JSON, for a JSON client). Like
   * Centrifugo, the session ends with 3506 instead of receiving a frame it cannot parse;
   * `refusal` is set when this session is the one to log it (once per broadcast).
   */
  refusePayload(channel: string | undefined, refusal: PayloadNotJsonError | undefined): void {
    if (this.state === 'closed') return;
    if (refusal) this.log.warn({ channel, user: this.user, field: refusal.field }, 'payload is not JSON: JSON-protocol client disconnected');
    this.disconnect(DisconnectCode.inappropriateProtocol);
  }

  /** Queues a publication already encoded for this client's protocol (the fan-out path). */
  sendEncoded(bytes: Uint8Array): void {
    this.counts.countSent(FrameType.push_publication, 1, bytes.length);
    this.writer.enqueue(bytes);
  }

  /** Called once `connect` succeeded: starts keepalive, expiry and stops the stale timer. */
  markConnected(): void {
    this.state = 'connected';
    this.node.metrics.client.connectionAccepted(this.transport.name, this.app.name, this.app.version);
    this.connectedAt = this.node.clock.now();
    this.leaveConnecting();
    this.schedulePing();
    this.scheduleExpiry();
    this.activitySession = this.node.deps.activity?.sessionOpened({
      client: this.id,
      user: this.user,
      transport: this.transport.name,
      protocol: this.transport.protocol,
      remoteAddr: this.transport.request.ip,
      // Fixed for the connection's life and copied by the store: no copy of our own.
      labels: this.credentials.labels ?? NO_LABELS,
      appName: this.app.name,
      appVersion: this.app.version,
      node: this.node.deps.name,
      nodeUid: this.node.id,
      connectedAt: this.connectedAt,
      disconnectedAt: 0,
      disconnectCode: 0,
      disconnectReason: '',
    }) ?? -1;
  }

  private leaveConnecting(): void {
    if (this.stalePlace < 0) return;
    this.node.connecting.remove(this.stalePlace, this);
    this.stalePlace = -1;
  }

  /** A pong (empty command) arrived. */
  handlePong(): void {
    if (!this.pongTimer) throw new DisconnectError(DisconnectCode.badRequest);
    this.pongTimer.cancel();
    this.pongTimer = undefined;
  }

  private schedulePing(): void {
    const interval = this.node.config.client.pingInterval;
    if (interval <= 0 || !this.transport.pings) return;
    // The first ping is spread over [interval/2, interval) so reconnect storms don't ping in lockstep.
    this.wheel.arm(this, interval / 2 + Math.random() * (interval / 2));
  }

  /** The next ping is due (the wheel calls it). */
  onWheel(): void {
    if (this.state !== 'connected') return;
    const bytes = PING.for(this.codec)!;
    this.counts.countSent(FrameType.server_ping, 1, bytes.length);
    this.writer.enqueue(bytes);
    const pongTimeout = this.node.config.client.pongTimeout;
    if (this.transport.pong && pongTimeout > 0 && !this.pongTimer) {
      this.pongTimer = this.node.deps.wheel.schedule(pongTimeout, this.pongMissed, this);
    }
    // A far expiry deadline is armed by a ping before it is due (see scheduleExpiry).
    if (!this.expireTimer && this.credentials.expireAt) this.scheduleExpiry();
    this.wheel.arm(this, this.node.config.client.pingInterval);
  }

  private pongMissed(): void {
    this.pongTimer = undefined;
    this.disconnect(DisconnectCode.noPong);
  }

  /** (Re)arms the connection expiry check after a connect or refresh. */
  scheduleExpiry(): void {
    this.expireTimer?.cancel();
    this.expireTimer = undefined;
    const expireAt = this.credentials.expireAt;
    if (!expireAt) return;
    // Server-side refresh: the backend is asked when the session expires, not the client.
    const byProxy = this.node.deps.proxies.refresh !== undefined;
    const delay = expireAt * 1000 - this.node.clock.now() + (byProxy ? 0 : this.node.config.client.expiredCloseDelay);
    // A deadline two ping intervals away or more is left to a later ping to arm, with the same
    // deadline: an idle session then holds one timer, not two, for most of its token's life.
    const pingInterval = this.node.config.client.pingInterval;
    if (pingInterval > 0 && this.wheelTick >= 0 && delay >= 2 * pingInterval) return;
    this.expireTimer = this.node.deps.wheel.schedule(Math.max(0, delay), byProxy ? this.refreshByProxy : this.closeIfExpired, this);
  }

  private refreshByProxy(): void {
    this.expireTimer = undefined;
    const proxy = this.node.deps.proxies.refresh;
    if (proxy) void refreshByProxy(this, proxy);
  }

  private closeIfExpired(): void {
    this.expireTimer = undefined;
    if (this.credentials.expireAt && this.credentials.expireAt * 1000 <= this.node.clock.now()) {
      this.disconnect(DisconnectCode.expired);
    }
  }

  onInsufficientState(sub: ChannelSubscription): void {
    this.logDebug({ channel: sub.channel }, 'insufficient state');
    if (sub.opts.serverSide) {
      this.disconnect(DisconnectCode.insufficientState);
      return;
    }
    void this.unsubscribe(sub.channel, UnsubscribeCode.insufficientState);
  }

  /** Drops a subscription; with a code, tells the client with an unsubscribe push. */
  async unsubscribe(channel: string, code?: UnsubscribeCode): Promise<void> {
    const sub = this.subscriptions.get(channel);
    if (!sub) return;
    this.subscriptions.delete(channel);
    sub.close();
    if (code !== undefined) {
      this.send(new EncodedReply({ push: { channel, unsubscribe: { code, reason: unsubscribeReasons[code] } } }));
    }
    await this.leaveChannel(sub);
  }

  /**
   * Presence removal, leave push and hub removal for a subscription that ended. Most leaves
   * end at the hub (other subscribers remain, no presence or leave to send): those make no
   * promise at all, as every connection's teardown goes through here.
   */
  private leaveChannel(sub: SessionSubscription): Promise<void> | undefined {
    // Other kinds left everything in close().
    if (!(sub instanceof ChannelSubscription)) return undefined;
    const removed = this.node.removeSubscriber(sub.channel, sub);
    if (removed === undefined && !sub.opts.presence && !sub.opts.joinLeave && !sub.onLeave) return undefined;
    return this.finishLeave(sub, removed);
  }

  private async finishLeave(sub: ChannelSubscription, removed: Promise<void> | undefined): Promise<void> {
    const { node } = this;
    try {
      await removed;
      // Presence and join/leave are keyed by client, not subscription: once the client has
      // subscribed to the channel again they belong to the new subscription.
      if (this.subscriptions.has(sub.channel)) return;
      if (sub.opts.presence) await node.presence.removePresence(sub.channel, this.id, this.user);
      if (sub.opts.joinLeave) await node.broker.publishLeave(sub.channel, sub.info(this.info()));
      await sub.onLeave?.();
    } catch (err) {
      this.log.error({ err, channel: sub.channel }, 'leave failed');
    }
  }

  /** Ends the session with a disconnect code. Idempotent. */
  disconnect(code: number, reason?: string): void {
    if (this.state === 'closed') return;
    // DisconnectError fills in the standard reason and keeps it within the WebSocket limit.
    const text = new DisconnectError(code, reason).reason;
    if (this.transport.disconnectPush) {
      this.sendReply({ push: { disconnect: { code, reason: text, reconnect: shouldReconnect(code) } } });
    }
    this.logDebug({ code, reason: text, user: this.user }, 'disconnect');
    this.node.metrics.client.serverDisconnect(code);
    this.teardown(code, text);
    this.transport.close(code, text);
    // A peer that stopped reading never takes the close frame or answers it, and ws would
    // hold the socket 30 s for that answer: give it the write timeout, then drop it.
    this.wheel.schedule(this.writeTimeout, this.dropIfStuck, this);
  }

  /**
   * A WebSocket still open here never answered its close frame (Centrifugo does not wait
   * for that answer at all); abort is a no-op once it is closed. An emulated stream that
   * ended cleanly is left alone: its socket may be serving the browser's next request.
   */
  private dropIfStuck(): void {
    if (!this.transport.emulation || this.transport.bufferedAmount() > 0) this.transport.abort();
  }

  /** The transport closed under us (peer went away). */
  handleTransportClose(): void {
    if (this.state === 'closed') return;
    this.teardown();
  }

  /** Releases the session; `code` and `reason` say how it ended (the peer going away when not given). */
  private teardown(code: number = DisconnectCode.connectionClosed, reason = 'connection closed'): void {
    const wasConnected = this.state === 'connected';
    if (wasConnected) this.node.deps.activity?.sessionEnded(this.activitySession, this.id, this.node.clock.now(), code, reason);
    this.state = 'closed';
    this.writer.close();
    this.leaveConnecting();
    this.wheel.disarm(this);
    this.pongTimer?.cancel();
    this.expireTimer?.cancel();
    this.node.untrackSession(this);
    if (!wasConnected) return;
    this.node.metrics.client.connectionClosed(this.transport.name, this.app.name, this.app.version);
    this.node.hub.remove(this);
    const subs = [...this.subscriptions.values()];
    this.subscriptions.clear();
    for (const sub of subs) {
      sub.close();
      void this.leaveChannel(sub);
    }
  }
}

import { UnsubscribeCode, type ClientInfo, type PayloadNotJsonError, type ProtocolCodec } from '../../protocol/index.js';
import type { TimerHandle } from '../../lib/index.js';
import type { SharedPollManager, TrackRequestItem } from '../shared-poll/poll-manager.js';
import { TrackedKeys, type TrackCommit } from '../shared-poll/tracked-keys.js';
import type { ItemUpdate, KeyTracker, PollTimers, SharedPollOptions } from '../shared-poll/types.js';
import { EncodedReply } from './encoded-reply.js';
import { PublicationFanout } from './publication-fanout.js';

/** What a shared-poll subscription needs from its session. */
export interface SharedPollOwner {
  readonly codec: ProtocolCodec;
  sendEncoded(bytes: Uint8Array): void;
  /** A payload this session's protocol cannot carry: the session ends (3506). */
  refusePayload(channel: string | undefined, refusal: PayloadNotJsonError | undefined): void;
  unsubscribe(channel: string, code?: UnsubscribeCode): Promise<void>;
}

/** Per-subscription values fixed at subscribe time. */
export interface SharedPollSubscriptionOptions {
  poll: Readonly<SharedPollOptions>;
  /** Fossil delta negotiated: per key, the first delivery is full and later ones may be deltas. */
  delta: boolean;
  /** Unix seconds the subscription expires (token or proxy); 0 = never. */
  expireAt: number;
  /** ms past `expireAt` the subscription may go unrefreshed before it ends (`client.expired_sub_close_delay`). */
  expiredCloseDelay: number;
  chanInfo?: Uint8Array;
}

/** An update's encodings, shared by every connection that receives it. */
const fanouts = new WeakMap<ItemUpdate, PublicationFanout>();

function fanoutOf(u: ItemUpdate): PublicationFanout {
  let f = fanouts.get(u);
  if (!f) {
    const pub = { data: u.data, key: u.key, version: u.version, epoch: u.epoch || undefined };
    f = new PublicationFanout(u.channel, pub, u.prevData ? { offset: 0, data: u.prevData } : undefined, true);
    fanouts.set(u, f);
  }
  return f;
}

/**
 * One client's shared-poll subscription: no stream, no position, no broker. The client
 * tracks item keys under backend signatures; the node's poll loop for the channel sends
 * each key's changes, and this subscription passes on only versions newer than the one
 * the client holds for that key.
 */
export class SharedPollSubscription implements KeyTracker {
  readonly keys = new TrackedKeys();
  private closed = false;
  private expiryCheck: TimerHandle | undefined;
  private expiryCheckAt = 0;
  private tokenExpiry: TimerHandle | undefined;

  constructor(
    readonly client: SharedPollOwner,
    readonly channel: string,
    public opts: Readonly<SharedPollSubscriptionOptions>,
    private readonly manager: SharedPollManager,
    private readonly timers: PollTimers,
    private readonly nowMs: () => number,
  ) {}

  get active(): boolean {
    return !this.closed;
  }

  /** The ClientInfo this subscription shows (e.g. on a client publish into the channel). */
  info(base: ClientInfo): ClientInfo {
    return this.opts.chanInfo ? { ...base, chanInfo: this.opts.chanInfo } : base;
  }

  /**
   * Records the keys a verified track request carries (before its reply, so the limit
   * holds against concurrent tracks).
   */
  commit(items: readonly TrackCommit[]): void {
    this.keys.commit(items);
    this.scheduleExpiryCheck();
  }

  /** Joins the node's poll for the keys (after the reply is queued, so updates follow it). */
  startTracking(items: readonly TrackRequestItem[]): void {
    if (this.closed) return;
    // A key untracked or removed since its commit is not joined.
    const live = items.filter((i) => this.keys.has(i.key));
    this.manager.track(this.channel, this.opts.poll, this, live);
  }

  /** Stops tracking keys; unknown keys are ignored. */
  untrack(keys: Iterable<string>): void {
    const removed = this.keys.remove(keys);
    if (removed.length > 0) this.manager.untrack(this.channel, this, removed);
  }

  deliverUpdate(u: ItemUpdate): void {
    const state = this.keys.get(u.key);
    if (this.closed || !state || u.version <= state.version) return;
    const fanout = fanoutOf(u);
    const codec = this.client.codec;
    let bytes: Uint8Array | undefined;
    if (!this.opts.delta) {
      bytes = fanout.plain(codec, false);
    } else {
      // A patch applies only to the exact bytes it was made from: the version the client holds.
      const base = state.deltaReady && u.prevData !== undefined && state.version === u.prevVersion;
      bytes = (base ? fanout.delta(codec, false) : undefined) ?? fanout.fullForDelta(codec, false);
    }
    if (!bytes) {
      this.client.refusePayload(this.channel, fanout.takeRefusal());
      return;
    }
    this.client.sendEncoded(bytes);
    state.version = u.version;
    if (this.opts.delta) state.deltaReady = true;
  }

  deliverRemoval(key: string): void {
    if (this.closed || this.keys.remove([key]).length === 0) return;
    const bytes = new EncodedReply({ push: { channel: this.channel, pub: { data: new Uint8Array(0), key, removed: true } } }).for(this.client.codec);
    if (bytes) this.client.sendEncoded(bytes);
  }

  resetEpoch(): void {
    if (!this.closed) void this.client.unsubscribe(this.channel, UnsubscribeCode.insufficientState);
  }

  /**
   * Sets when the subscription expires (at subscribe, and again after each sub_refresh with a
   * fresh token) and arms its end: a subscription still unrefreshed `expiredCloseDelay` after
   * its expiry ends with unsubscribe 2501, as Centrifugo ends one whose client stopped
   * refreshing, and its keys leave the poll.
   */
  expireAt(expireAt: number): void {
    this.opts = { ...this.opts, expireAt };
    this.tokenExpiry?.cancel();
    this.tokenExpiry = undefined;
    if (expireAt === 0 || this.closed) return;
    const due = expireAt * 1000 + this.opts.expiredCloseDelay;
    this.tokenExpiry = this.timers.schedule(Math.max(0, due - this.nowMs()), () => {
      this.tokenExpiry = undefined;
      if (!this.closed && this.opts.expireAt * 1000 <= this.nowMs()) void this.client.unsubscribe(this.channel, UnsubscribeCode.expired);
    });
  }

  /** The subscription ended: its keys leave the node's poll (which stops when nobody tracks any). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.tokenExpiry?.cancel();
    this.expiryCheck?.cancel();
    this.manager.untrack(this.channel, this, this.keys.clear());
  }

  /** Keys whose signature expired (plus the grace) are dropped silently; the SDK re-tracks them. */
  private scheduleExpiryCheck(): void {
    let earliest = 0;
    for (const key of this.keys.keys()) {
      const at = this.keys.get(key)!.expireAt;
      if (at > 0 && (earliest === 0 || at < earliest)) earliest = at;
    }
    if (earliest === 0) return;
    const due = earliest * 1000 + this.opts.poll.trackExpiredExtraDelay + 1000;
    if (this.expiryCheck && this.expiryCheckAt <= due) return;
    this.expiryCheck?.cancel();
    this.expiryCheckAt = due;
    this.expiryCheck = this.timers.schedule(Math.max(0, due - this.nowMs()), () => {
      this.expiryCheck = undefined;
      if (this.closed) return;
      const expired = this.keys.expire(Math.floor(this.nowMs() / 1000), Math.floor(this.opts.poll.trackExpiredExtraDelay / 1000));
      if (expired.length > 0) this.manager.untrack(this.channel, this, expired);
      this.scheduleExpiryCheck();
    });
  }
}

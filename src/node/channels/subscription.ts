import type { CompiledFilter } from '../../filter/index.js';
import type { ClientInfo, PayloadNotJsonError, ProtocolCodec, StreamPosition } from '../../protocol/index.js';
import type { TimerHandle } from '../../lib/index.js';
import type { EncodedReply } from './encoded-reply.js';
import type { PublicationFanout } from './publication-fanout.js';
import type { HubClient, Subscriber } from '../hub.js';

/** What a subscription needs from its session. */
export interface SubscriptionOwner extends HubClient {
  readonly codec: ProtocolCodec;
  send(encoded: EncodedReply): void;
  sendEncoded(bytes: Uint8Array): void;
  /**
   * A payload this session's protocol cannot carry: the session ends (3506). `refusal` is
   * set for the first session a broadcast refuses, which logs it for all.
   */
  refusePayload(channel: string | undefined, refusal: PayloadNotJsonError | undefined): void;
  /** The stream position check failed: the client must resubscribe (and recover). */
  onInsufficientState(sub: ChannelSubscription): void;
}

export interface SubscriptionOptions {
  /** Came from the connection token, the personal channel or the server API. */
  serverSide: boolean;
  /** Track the stream position: every live publication must be the next offset. */
  positioned: boolean;
  recoverable: boolean;
  pushJoinLeave: boolean;
  /** This client is listed in the channel's presence. */
  presence: boolean;
  /** Join/leave go out for this client (namespace `join_leave`). */
  joinLeave: boolean;
  chanInfo?: Uint8Array;
  /** Unix seconds; 0 = never expires. */
  expireAt: number;
  /** Server-side tags filter (`tf`): publications whose tags don't match are not sent. */
  tagsFilter?: CompiledFilter;
  /** Fossil delta negotiated: publications may arrive as deltas against the previous one. */
  delta: boolean;
}

/** Option sets without per-subscription values, by their flags as bits (see `sharedOptions`). */
const sharedByFlags: Array<Readonly<SubscriptionOptions> | undefined> = [];

/**
 * One frozen object for every subscription with the same plain settings (no channel
 * info, filter or expiry: the usual case), so an idle subscription does not carry its own
 * copy. Options are never mutated; a refresh replaces the subscription's object.
 */
export function sharedOptions(o: SubscriptionOptions): Readonly<SubscriptionOptions> {
  if (o.chanInfo || o.tagsFilter || o.expireAt) return o;
  const flags = [o.serverSide, o.positioned, o.recoverable, o.pushJoinLeave, o.presence, o.joinLeave, o.delta];
  const key = flags.reduce((bits, flag, i) => (flag ? bits | (1 << i) : bits), 0);
  return (sharedByFlags[key] ??= Object.freeze({
    serverSide: o.serverSide,
    positioned: o.positioned,
    recoverable: o.recoverable,
    pushJoinLeave: o.pushJoinLeave,
    presence: o.presence,
    joinLeave: o.joinLeave,
    expireAt: 0,
    delta: o.delta,
  }));
}

interface Buffered {
  fanout: PublicationFanout;
  position: StreamPosition;
}

/**
 * One client's subscription to one channel. While the subscribe reply is being
 * prepared (history read for recovery), live publications are buffered so none is
 * lost or duplicated between the recovered batch and the live stream.
 */
export class ChannelSubscription implements Subscriber {
  private buffer: Buffered[] | null = [];
  private state: 'subscribing' | 'active' | 'closed' = 'subscribing';
  /** Last offset the client has (positioned subscriptions only). */
  offset = 0;
  epoch = '';
  expiryTimer: TimerHandle | undefined;
  /** The stream top at the previous periodic position check. */
  private lastCheckedTop: StreamPosition | undefined;
  /** The client holds the previous payload, so a delta can be applied (delta subscriptions only). */
  deltaReady = false;
  /** What else ends with the subscription once the client has left the channel (map presence keys). */
  onLeave: (() => Promise<void>) | undefined;
  /** Keeps entries this subscription holds elsewhere alive (map presence), on the node's presence tick. */
  onPresenceTick: (() => Promise<void>) | undefined;

  /**
   * `compact`: the client negotiated channel compaction, so its publication and join/leave
   * pushes carry the channel's numeric id instead of the name. Fixed for the subscription's
   * life (a refresh replaces `opts`, never this).
   */
  constructor(
    readonly client: SubscriptionOwner,
    readonly channel: string,
    public opts: Readonly<SubscriptionOptions>,
    readonly compact = false,
  ) {}

  /** Delivered by the broker; map subscriptions by the map broker. A getter: no field per subscription. */
  get source(): 'stream' | 'map' {
    return 'stream';
  }

  get pushJoinLeave(): boolean {
    return this.opts.pushJoinLeave;
  }

  get active(): boolean {
    return this.state === 'active';
  }

  /** The ClientInfo this subscription shows in presence, join/leave and publications. */
  info(base: ClientInfo): ClientInfo {
    return this.opts.chanInfo ? { ...base, chanInfo: this.opts.chanInfo } : base;
  }

  deliverPublication(fanout: PublicationFanout, position: StreamPosition): void {
    if (this.state === 'subscribing') {
      this.buffer?.push({ fanout, position });
      return;
    }
    if (this.state === 'active') this.forward(fanout, position);
  }

  deliverPush(encoded: EncodedReply): void {
    if (this.state === 'active') this.client.send(encoded);
  }

  /**
   * Starts live delivery from stream position `from` (what the subscribe reply told
   * the client), first flushing publications that arrived while subscribing.
   */
  activate(from: StreamPosition, clientHasLatest: boolean): void {
    if (this.state !== 'subscribing') return;
    this.deltaReady = clientHasLatest;
    this.offset = from.offset;
    this.epoch = from.epoch;
    this.state = 'active';
    const buffered = this.buffer ?? [];
    this.buffer = null;
    for (const b of buffered) {
      if (this.state !== 'active') break;
      // Already delivered in the subscribe reply's recovered publications.
      if (this.opts.positioned && b.position.epoch === this.epoch && (b.fanout.pub.offset ?? 0) <= this.offset) continue;
      this.forward(b.fanout, b.position);
    }
  }

  checkPosition(top: StreamPosition, lagTolerant: boolean): void {
    if (this.state !== 'active' || !this.opts.positioned) return;
    if (!lagTolerant) {
      if (top.epoch !== this.epoch || top.offset > this.offset) this.client.onInsufficientState(this);
      return;
    }
    // Periodic check: a publication may be in flight, so only a position still behind the
    // top seen one check ago counts as lost.
    const previous = this.lastCheckedTop;
    this.lastCheckedTop = top;
    if (top.epoch !== this.epoch || (previous && previous.epoch === this.epoch && previous.offset > this.offset)) {
      this.client.onInsufficientState(this);
    }
  }

  close(): void {
    this.state = 'closed';
    this.buffer = null;
    this.expiryTimer?.cancel();
  }

  private forward(fanout: PublicationFanout, position: StreamPosition): void {
    const pub = fanout.pub;
    const offset = pub.offset ?? 0;
    // Publications sent with skip_history carry no offset and don't move the position.
    if (this.opts.positioned && offset > 0) {
      if (fanout.lagged) {
        this.client.onInsufficientState(this);
        return;
      }
      if (position.epoch !== this.epoch || offset !== this.offset + 1) {
        if (position.epoch === this.epoch && offset <= this.offset) return;
        this.client.onInsufficientState(this);
        return;
      }
      this.offset = offset;
    }
    if (this.opts.tagsFilter && !fanout.passes(this.opts.tagsFilter)) return;
    const bytes = this.encode(fanout);
    if (bytes) this.client.sendEncoded(bytes);
    else this.client.refusePayload(this.channel, fanout.takeRefusal());
  }

  /** The publication as this subscription receives it; undefined when JSON refused it. */
  protected encode(fanout: PublicationFanout): Uint8Array | undefined {
    const codec = this.client.codec;
    const compact = this.compact;
    if (!this.opts.delta) return fanout.plain(codec, compact);
    const bytes = (this.deltaReady ? fanout.delta(codec, compact) : undefined) ?? fanout.fullForDelta(codec, compact);
    this.deltaReady = bytes !== undefined;
    return bytes;
  }
}

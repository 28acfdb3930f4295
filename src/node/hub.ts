import type { Labels } from '../auth/index.js';
import { LabelIndex, type CompiledFilter } from '../filter/index.js';
import type { ClientInfo, Publication, StreamPosition } from '../protocol/index.js';
import { EncodedReply } from './channels/encoded-reply.js';
import { PublicationFanout, type PreviousPayload } from './channels/publication-fanout.js';

/** A client as the hub sees it. */
export interface HubClient {
  readonly id: string;
  readonly user: string;
  /** Fixed for the life of the connection (the label index relies on it). */
  readonly labels: Labels | undefined;
  /** The `jti` of the connection token, when it had one. */
  readonly tokenId?: string;
}

/** One client's subscription to one channel, as the hub delivers to it. */
export interface Subscriber {
  readonly client: HubClient;
  /** Which engine delivers the channel: the broker (streams, default) or the map broker. */
  readonly source?: 'stream' | 'map';
  /** Wants join/leave pushes. */
  readonly pushJoinLeave: boolean;
  /** Negotiated channel compaction: its pushes name the channel by the hub's numeric id. */
  readonly compact: boolean;
  deliverPublication(fanout: PublicationFanout, position: StreamPosition): void;
  deliverPush(encoded: EncodedReply): void;
  /**
   * Positioned subscriptions compare their position with the stream top and resync when
   * behind; `lagTolerant` (periodic checks) allows for publications still in flight.
   */
  checkPosition(top: StreamPosition, lagTolerant: boolean): void;
}

/**
 * A channel's local subscribers: the only one itself, or a Map by client id once there
 * are two. Most channels of a personal-channel setup have one subscriber, and a Map
 * each would be a large part of an idle session's memory.
 */
type ChannelMembers = Subscriber | Map<string, Subscriber>;

/** The same for the per-user and per-token indexes: one client, or a Set of them. */
type IndexMembers<C> = C | Set<C>;

/**
 * Who is connected and who listens where, on this node. Fan-out encodes each push
 * once per protocol (EncodedReply) and hands the same bytes to every subscriber.
 */
export class Hub<C extends HubClient = HubClient> {
  private readonly clients = new Map<string, C>();
  private readonly users = new Map<string, IndexMembers<C>>();
  private readonly labelIndex = new LabelIndex<C>();
  /** Clients by connection token id, so a revocation finds its sessions without a scan. */
  private readonly tokens = new Map<string, IndexMembers<C>>();
  private readonly channels = new Map<string, ChannelMembers>();
  /** Last payload per channel, the base for delta encoding; dropped with the channel's last subscriber. */
  private readonly previous = new Map<string, PreviousPayload>();
  /**
   * Channel compaction ids, as the centrifuge library hands them out: one per channel on
   * this node, made for its first compacting subscriber, shared by all of them (so one
   * encoded push serves them all) and dropped with the channel's last subscriber. Ids are
   * never reused, so a push still in flight for a dropped id can never reach a later
   * subscription that got a new one.
   */
  private readonly channelIds = new Map<string, number>();
  private lastChannelId = 0;
  private subscriptionCount = 0;

  add(client: C): void {
    this.clients.set(client.id, client);
    addTo(this.users, client.user, client);
    if (client.tokenId) addTo(this.tokens, client.tokenId, client);
    this.labelIndex.add(client, client.labels);
  }

  remove(client: C): void {
    if (!this.clients.delete(client.id)) return;
    removeFrom(this.users, client.user, client);
    if (client.tokenId) removeFrom(this.tokens, client.tokenId, client);
    this.labelIndex.remove(client, client.labels);
  }

  /** Re-indexes a client whose token changed (refresh); `previous` is the token id it was indexed under. */
  retoken(client: C, previous: string | undefined): void {
    if (!this.clients.has(client.id) || previous === client.tokenId) return;
    if (previous) removeFrom(this.tokens, previous, client);
    if (client.tokenId) addTo(this.tokens, client.tokenId, client);
  }

  /** The local clients connected with a token of this id. */
  tokenClients(tokenId: string): ReadonlySet<C> {
    return asSet(this.tokens.get(tokenId));
  }

  /** Adds a subscriber; returns true when it is the channel's first on this node. */
  subscribe(channel: string, sub: Subscriber): boolean {
    if (sub.compact && !this.channelIds.has(channel)) this.channelIds.set(channel, ++this.lastChannelId);
    const members = this.channels.get(channel);
    const id = sub.client.id;
    if (!members) {
      this.channels.set(channel, sub);
      this.subscriptionCount++;
      return true;
    }
    if (members instanceof Map) {
      if (!members.has(id)) this.subscriptionCount++;
      members.set(id, sub);
    } else if (members.client.id === id) {
      this.channels.set(channel, sub);
    } else {
      this.channels.set(channel, new Map([[members.client.id, members], [id, sub]]));
      this.subscriptionCount++;
    }
    return false;
  }

  /**
   * Removes this subscriber, and only this one: a client that subscribed again meanwhile is
   * registered under the same id by a newer subscriber, which stays. Returns true when the
   * channel has none left on this node.
   */
  unsubscribe(channel: string, sub: Subscriber): boolean {
    const members = this.channels.get(channel);
    if (!members) return false;
    if (members instanceof Map) {
      const id = sub.client.id;
      if (members.get(id) !== sub) return false;
      members.delete(id);
      this.subscriptionCount--;
      // Back to the single-member form, so a channel that shrank costs what a new one does.
      if (members.size === 1) this.channels.set(channel, members.values().next().value!);
      return false;
    }
    if (members !== sub) return false;
    this.subscriptionCount--;
    this.channels.delete(channel);
    this.previous.delete(channel);
    this.channelIds.delete(channel);
    return true;
  }

  /** The channel's compaction id on this node; 0 while no compacting subscriber has one. */
  channelId(channel: string): number {
    return this.channelIds.get(channel) ?? 0;
  }

  /** A channel's local subscribers. */
  private subscribers(channel: string): Iterable<Subscriber> {
    const members = this.channels.get(channel);
    if (!members) return [];
    return members instanceof Map ? members.values() : [members];
  }

  /**
   * Delivers to every local subscriber; `deltaAllowed` lets delta-negotiated ones get a fossil
   * delta; `lagged` puts positioned ones in insufficient state (see PublicationFanout).
   */
  broadcastPublication(channel: string, pub: Publication, position: StreamPosition, deltaAllowed: boolean, lagged = false): void {
    if (!this.channels.has(channel)) return;
    const fanout = new PublicationFanout(channel, pub, this.previous.get(channel), deltaAllowed, this.channelId(channel), lagged);
    this.previous.set(channel, { offset: pub.offset ?? 0, data: pub.data });
    for (const sub of this.subscribers(channel)) sub.deliverPublication(fanout, position);
  }

  /**
   * Delivers a map change. The delta base is the key's previous value (`prevData`), not the
   * channel's previous publication: each key is its own chain.
   */
  broadcastMapPublication(channel: string, pub: Publication, position: StreamPosition, deltaAllowed: boolean, prevData: Uint8Array | undefined, lagged = false): void {
    if (!this.channels.has(channel)) return;
    const prev = prevData && !pub.removed ? { data: prevData } : undefined;
    const fanout = new PublicationFanout(channel, pub, prev, deltaAllowed, this.channelId(channel), lagged);
    for (const sub of this.subscribers(channel)) sub.deliverPublication(fanout, position);
  }

  broadcastJoinLeave(channel: string, kind: 'join' | 'leave', info: ClientInfo): void {
    if (!this.channels.has(channel)) return;
    const byName = new EncodedReply({ push: { channel, [kind]: { info } } });
    // Join and leave are addressed like publications, as in the centrifuge library.
    const channelId = this.channelId(channel);
    let byId: EncodedReply | undefined;
    for (const sub of this.subscribers(channel)) {
      if (!sub.pushJoinLeave) continue;
      if (sub.compact && channelId > 0) sub.deliverPush((byId ??= new EncodedReply({ push: { id: channelId, [kind]: { info } } })));
      else sub.deliverPush(byName);
    }
  }

  /** Asks every subscriber of a channel to check its position against the stream top. */
  checkPositions(channel: string, top: StreamPosition, lagTolerant: boolean): void {
    for (const sub of this.subscribers(channel)) sub.checkPosition(top, lagTolerant);
  }

  client(id: string): C | undefined {
    return this.clients.get(id);
  }

  userClients(user: string): ReadonlySet<C> {
    return asSet(this.users.get(user));
  }

  /**
   * The clients a label filter selects: candidates, and what of the filter each must still
   * satisfy (undefined: all of them match). The label index's answer when the filter's shape
   * allows, else every client with the whole filter left to check.
   */
  labelSelection(filter: CompiledFilter | undefined): { clients: Iterable<C>; rest: CompiledFilter | undefined } {
    const found = filter && this.labelIndex.select(filter);
    return found ? { clients: found.items, rest: found.rest } : { clients: this.clients.values(), rest: filter };
  }

  allClients(): IterableIterator<C> {
    return this.clients.values();
  }

  channelNames(): IterableIterator<string> {
    return this.channels.keys();
  }

  numSubscribers(channel: string): number {
    const members = this.channels.get(channel);
    if (!members) return 0;
    return members instanceof Map ? members.size : 1;
  }

  get numClients(): number {
    return this.clients.size;
  }

  get numUsers(): number {
    return this.users.size;
  }

  get numChannels(): number {
    return this.channels.size;
  }

  get numSubscriptions(): number {
    return this.subscriptionCount;
  }
}

function addTo<C>(index: Map<string, IndexMembers<C>>, key: string, client: C): void {
  const members = index.get(key);
  if (members === undefined) index.set(key, client);
  else if (members instanceof Set) members.add(client);
  else if (members !== client) index.set(key, new Set([members, client]));
}

function removeFrom<C>(index: Map<string, IndexMembers<C>>, key: string, client: C): void {
  const members = index.get(key);
  if (members instanceof Set) {
    members.delete(client);
    if (members.size === 1) index.set(key, members.values().next().value!);
  } else if (members === client) {
    index.delete(key);
  }
}

function asSet<C>(members: IndexMembers<C> | undefined): ReadonlySet<C> {
  if (members === undefined) return new Set();
  return members instanceof Set ? members : new Set([members]);
}

import type { Labels } from '../auth/index.js';
import { LabelIndex, type CompiledFilter } from '../filter/index.js';
import type { ClientInfo, Publication, StreamPosition } from '../protocol/index.js';
import { EncodedReply } from './encoded-reply.js';
import { PublicationFanout, type PreviousPayload } from './publication-fanout.js';

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
  /** Wants join/leave pushes. */
  readonly pushJoinLeave: boolean;
  deliverPublication(fanout: PublicationFanout, position: StreamPosition): void;
  deliverPush(encoded: EncodedReply): void;
  /**
   * Positioned subscriptions compare their position with the stream top and resync when
   * behind; `lagTolerant` (periodic checks) allows for publications still in flight.
   */
  checkPosition(top: StreamPosition, lagTolerant: boolean): void;
}

/**
 * Who is connected and who listens where, on this node. Fan-out encodes each push
 * once per protocol (EncodedReply) and hands the same bytes to every subscriber.
 */
export class Hub<C extends HubClient = HubClient> {
  private readonly clients = new Map<string, C>();
  private readonly users = new Map<string, Set<C>>();
  private readonly labelIndex = new LabelIndex<C>();
  /** Clients by connection token id, so a revocation finds its sessions without a scan. */
  private readonly tokens = new Map<string, Set<C>>();
  private readonly channels = new Map<string, Map<string, Subscriber>>();
  /** Last payload per channel, the base for delta encoding; dropped with the channel's last subscriber. */
  private readonly previous = new Map<string, PreviousPayload>();
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
    return this.tokens.get(tokenId) ?? new Set();
  }

  /** Adds a subscriber; returns true when it is the channel's first on this node. */
  subscribe(channel: string, sub: Subscriber): boolean {
    let subs = this.channels.get(channel);
    const first = !subs;
    if (!subs) {
      subs = new Map();
      this.channels.set(channel, subs);
    }
    if (!subs.has(sub.client.id)) this.subscriptionCount++;
    subs.set(sub.client.id, sub);
    return first;
  }

  /** Removes a subscriber; returns true when the channel has none left on this node. */
  unsubscribe(channel: string, clientId: string): boolean {
    const subs = this.channels.get(channel);
    if (!subs?.delete(clientId)) return false;
    this.subscriptionCount--;
    if (subs.size > 0) return false;
    this.channels.delete(channel);
    this.previous.delete(channel);
    return true;
  }

  /** Delivers to every local subscriber; `deltaAllowed` lets delta-negotiated ones get a fossil delta. */
  broadcastPublication(channel: string, pub: Publication, position: StreamPosition, deltaAllowed: boolean): void {
    const subs = this.channels.get(channel);
    if (!subs) return;
    const fanout = new PublicationFanout(channel, pub, this.previous.get(channel), deltaAllowed);
    this.previous.set(channel, { offset: pub.offset ?? 0, data: pub.data });
    for (const sub of subs.values()) sub.deliverPublication(fanout, position);
  }

  broadcastJoinLeave(channel: string, kind: 'join' | 'leave', info: ClientInfo): void {
    const subs = this.channels.get(channel);
    if (!subs) return;
    const encoded = new EncodedReply({ push: { channel, [kind]: { info } } });
    for (const sub of subs.values()) if (sub.pushJoinLeave) sub.deliverPush(encoded);
  }

  /** Asks every subscriber of a channel to check its position against the stream top. */
  checkPositions(channel: string, top: StreamPosition, lagTolerant: boolean): void {
    for (const sub of this.channels.get(channel)?.values() ?? []) sub.checkPosition(top, lagTolerant);
  }

  client(id: string): C | undefined {
    return this.clients.get(id);
  }

  userClients(user: string): ReadonlySet<C> {
    return this.users.get(user) ?? new Set();
  }

  /** Clients that may match a label filter (a superset), or undefined when the filter needs a scan. */
  labelCandidates(filter: CompiledFilter): ReadonlySet<C> | undefined {
    return this.labelIndex.candidates(filter);
  }

  allClients(): IterableIterator<C> {
    return this.clients.values();
  }

  channelNames(): IterableIterator<string> {
    return this.channels.keys();
  }

  numSubscribers(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
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

function addTo<C>(index: Map<string, Set<C>>, key: string, client: C): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(client);
}

function removeFrom<C>(index: Map<string, Set<C>>, key: string, client: C): void {
  const set = index.get(key);
  set?.delete(client);
  if (set?.size === 0) index.delete(key);
}

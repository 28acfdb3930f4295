import type { HubClient, PublicationFanout, Subscriber } from '../../node/index.js';
import { topicMatches } from '../../lib/index.js';
import { mqttPublication, type MqttPublication } from './publication.js';
import type { TopicSpace } from './topics.js';

/** The QoS levels Parsec delivers at (QoS 2 subscriptions are granted 1). */
export type DeliveryQos = 0 | 1;

/** One topic filter's subscription options (MQTT 5 §3.8.3.1; 3.1.1 has only the QoS). */
export interface SubscriptionOptions {
  qos: DeliveryQos;
  /** MQTT 5 Subscription Identifier, sent back with every message the filter matches. */
  id?: number;
  /** No Local: messages this client id published itself are not sent back. */
  noLocal?: boolean;
  /** Retain As Published: live messages keep the RETAIN flag they were published with. */
  retainAsPublished?: boolean;
}

/** Where a listener hands what it matched. */
export interface ListenerOwner {
  /**
   * One publication for the session: at the highest QoS of the matching filters, with their
   * subscription identifiers (empty when none has one), RETAIN set when one of them keeps
   * the flag of a retained publication (Retain As Published).
   */
  deliver(publication: MqttPublication, qos: DeliveryQos, ids: readonly number[], retain: boolean): void;
}

/**
 * One MQTT session's filters that listen on one channel: an exact topic's own channel, or
 * a wildcard bucket (see TopicSpace) shared by all of the session's filters that use it.
 * The hub keeps one subscriber per client and channel, so a session has one listener per
 * channel however many of its filters land there.
 */
export class ChannelListener implements Subscriber {
  private readonly byFilter = new Map<string, SubscriptionOptions>();
  /** The same filters as an array: walked on every delivery, without an iterator per walk. */
  private filters: Array<readonly [string, SubscriptionOptions]> = [];

  constructor(
    readonly client: HubClient,
    readonly channel: string,
    private readonly owner: ListenerOwner,
    private readonly topics: TopicSpace,
  ) {}

  get pushJoinLeave(): boolean {
    return false;
  }

  get compact(): boolean {
    return false;
  }

  get size(): number {
    return this.byFilter.size;
  }

  options(filter: string): SubscriptionOptions | undefined {
    return this.byFilter.get(filter);
  }

  setFilter(filter: string, options: SubscriptionOptions): void {
    this.byFilter.set(filter, options);
    this.filters = [...this.byFilter];
  }

  deleteFilter(filter: string): void {
    this.byFilter.delete(filter);
    this.filters = [...this.byFilter];
  }

  deliverPublication(fanout: PublicationFanout): void {
    const publication = mqttPublication(fanout, this.topics);
    const { topic } = publication;
    if (topic === undefined) return;
    // The client id is the token subject: a publication by that user is "its own" (No Local).
    const own = publication.publisher === this.client.user;
    // Overlapping filters get the message once, at the highest QoS among them, with all their identifiers (MQTT 5 §3.3.4).
    let qos = -1;
    let ids: number[] | undefined;
    let retain = false;
    const { filters } = this;
    for (let i = 0; i < filters.length; i++) {
      const [filter, o] = filters[i]!;
      // An exact filter on its own channel is the topic: no level-by-level match needed.
      if ((o.noLocal && own) || (filter !== topic && !topicMatches(filter, topic))) continue;
      if (o.qos > qos) qos = o.qos;
      if (o.id !== undefined) (ids ??= []).push(o.id);
      if (o.retainAsPublished && publication.retained) retain = true;
    }
    if (qos >= 0) this.owner.deliver(publication, qos as DeliveryQos, ids ?? NO_IDS, retain);
  }

  deliverPush(): void {
    // Join/leave pushes have no MQTT form.
  }

  checkPosition(): void {
    // MQTT subscriptions are not positioned: QoS 1 is the delivery guarantee, not stream offsets.
  }
}

const NO_IDS: readonly number[] = [];

import type { HubClient, PublicationFanout, Subscriber } from '../../node/index.js';
import { topicMatches } from '../../lib/index.js';

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

/** What the filters of a listener that match a publication ask for. */
export interface Delivery {
  /** The publication's topic (found once per listener, not again per session). */
  topic: string;
  qos: DeliveryQos;
  /** Subscription identifiers of the matching filters (MQTT 5 §3.3.2.3.8); empty when none has one. */
  ids: number[];
  /** Sent with RETAIN set (a retained publication, to a Retain As Published filter). */
  retain: boolean;
}

/** Tag of a publication an MQTT client published with RETAIN set. */
export const RETAIN_TAG = 'mqtt_retain';
/** Tag of a publication with an MQTT 5 Message Expiry Interval: when it expires, in Unix ms. */
export const EXPIRES_AT_TAG = 'mqtt_expires_at';

/** Where a listener hands what it matched. */
export interface ListenerOwner {
  deliver(fanout: PublicationFanout, delivery: Delivery): void;
}

/**
 * One MQTT session's filters that listen on one channel: an exact topic's own channel, or
 * a wildcard bucket (see TopicSpace) shared by all of the session's filters that use it.
 * The hub keeps one subscriber per client and channel, so a session has one listener per
 * channel however many of its filters land there.
 */
export class ChannelListener implements Subscriber {
  readonly filters = new Map<string, SubscriptionOptions>();

  constructor(
    readonly client: HubClient,
    readonly channel: string,
    private readonly owner: ListenerOwner,
    private readonly topicOf: (fanout: PublicationFanout) => string | undefined,
  ) {}

  get pushJoinLeave(): boolean {
    return false;
  }

  get compact(): boolean {
    return false;
  }

  deliverPublication(fanout: PublicationFanout): void {
    const topic = this.topicOf(fanout);
    if (topic === undefined) return;
    const { pub } = fanout;
    // The client id is the token subject: a publication by that user is "its own" (No Local).
    const own = pub.info?.user === this.client.user;
    // Overlapping filters get the message once, at the highest QoS among them, with all their identifiers (MQTT 5 §3.3.4).
    let qos = -1;
    let ids: number[] | undefined;
    let retain = false;
    for (const [filter, o] of this.filters) {
      // An exact filter on its own channel is the topic: no level-by-level match needed.
      if ((o.noLocal && own) || (filter !== topic && !topicMatches(filter, topic))) continue;
      if (o.qos > qos) qos = o.qos;
      if (o.id !== undefined) (ids ??= []).push(o.id);
      if (o.retainAsPublished && pub.tags?.[RETAIN_TAG] === '1') retain = true;
    }
    if (qos >= 0) this.owner.deliver(fanout, { topic, qos: qos as DeliveryQos, ids: ids ?? NO_IDS, retain });
  }

  deliverPush(): void {
    // Join/leave pushes have no MQTT form.
  }

  checkPosition(): void {
    // MQTT subscriptions are not positioned: QoS 1 is the delivery guarantee, not stream offsets.
  }
}

const NO_IDS: number[] = [];

import type { HubClient, PublicationFanout, Subscriber } from '../../node/index.js';
import { topicMatches } from '../../lib/index.js';

/** The QoS levels Parsec delivers at (QoS 2 subscriptions are granted 1). */
export type DeliveryQos = 0 | 1;

/** Where a listener hands what it matched. */
export interface ListenerOwner {
  deliver(fanout: PublicationFanout, qos: DeliveryQos): void;
}

/**
 * One MQTT session's filters that listen on one channel: an exact topic's own channel, or
 * a wildcard bucket (see TopicSpace) shared by all of the session's filters that use it.
 * The hub keeps one subscriber per client and channel, so a session has one listener per
 * channel however many of its filters land there.
 */
export class ChannelListener implements Subscriber {
  /** Filter → granted QoS. */
  readonly filters = new Map<string, DeliveryQos>();

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
    // Overlapping filters get the message once, at the highest QoS among them (MQTT 5 §3.3.4).
    let qos = -1;
    for (const [filter, granted] of this.filters) if (granted > qos && topicMatches(filter, topic)) qos = granted;
    if (qos >= 0) this.owner.deliver(fanout, qos as DeliveryQos);
  }

  deliverPush(): void {
    // Join/leave pushes have no MQTT form.
  }

  checkPosition(): void {
    // MQTT subscriptions are not positioned: QoS 1 is the delivery guarantee, not stream offsets.
  }
}

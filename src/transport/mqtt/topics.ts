import { isServerTopic } from '../../lib/index.js';
import { MIRROR_ORIGIN_TAG, type PublicationMirror } from '../../node/index.js';

/**
 * Topic ↔ channel: topic `a/b` is channel `<namespace>:a/b`. Wildcard filters listen on
 * bucket channels: every publication into the namespace is copied (by the node, without
 * history) to `$<namespace>:$wild` and to `$<namespace>:$wild/<first level>`; a filter
 * whose first level is a name listens on the second, one starting with a wildcard on the
 * first. So a node gets a publication once per bucket it has filters on, not once per
 * filter, and a bucket no node listens on costs one broker publish that goes nowhere.
 */
export class TopicSpace implements PublicationMirror {
  private readonly prefix: string;
  private readonly root: string;
  /** Where a node announces a CONNECT, so other nodes end that client id's older connection. */
  readonly takeoverChannel: string;
  /** Where a node hands a persistent session to the node its client reconnected to. */
  readonly handoffChannel: string;

  /**
   * `privatePrefix` (`channel.private_prefix`) makes the buckets and control channels
   * private: SDK clients cannot subscribe to them without a subscription token.
   */
  constructor(namespace: string, boundary: string, privatePrefix: string) {
    this.prefix = namespace + boundary;
    const internal = privatePrefix + this.prefix;
    this.root = `${internal}$wild`;
    this.takeoverChannel = `${internal}$takeover`;
    this.handoffChannel = `${internal}$handoff`;
  }

  channelOf(topic: string): string {
    return this.prefix + topic;
  }

  /** The topic of a channel of the namespace; undefined for other channels. */
  topicOf(channel: string): string | undefined {
    return channel.startsWith(this.prefix) ? channel.slice(this.prefix.length) : undefined;
  }

  /** The topic a delivered publication is for: its own channel's, or the origin of a bucket copy. */
  topicOfDelivery(channel: string, tags: Readonly<Record<string, string>> | undefined): string | undefined {
    const origin = tags?.[MIRROR_ORIGIN_TAG];
    return this.topicOf(origin ?? channel);
  }

  /** The bucket channel a wildcard filter listens on. */
  bucketOf(filter: string): string {
    const first = filter.split('/', 1)[0]!;
    return first === '+' || first === '#' ? this.root : `${this.root}/${first}`;
  }

  mirrorsOf(channel: string): readonly string[] {
    const topic = this.topicOf(channel);
    if (topic === undefined || isServerTopic(topic)) return [];
    return [this.root, `${this.root}/${topic.split('/', 1)[0]!}`];
  }
}

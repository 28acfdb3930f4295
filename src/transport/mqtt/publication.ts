import mqtt from 'mqtt-packet';
import type { PublicationFanout } from '../../node/index.js';
import type { MqttVersion } from './codes.js';
import type { TopicSpace } from './topics.js';

/** Tag of a publication an MQTT client published with RETAIN set. */
export const RETAIN_TAG = 'mqtt_retain';
/** Tag of a publication with an MQTT 5 Message Expiry Interval: when it expires, in Unix ms. */
export const EXPIRES_AT_TAG = 'mqtt_expires_at';

/**
 * What MQTT subscribers need of one publication, worked out once per fan-out instead of
 * once per subscriber: its topic, the MQTT attributes its tags carry, who published it,
 * and its plain QoS 0 PUBLISH packet per protocol version, one buffer every plain QoS 0
 * delivery of the publication shares (and the writers then join once per turn).
 */
export class MqttPublication {
  /** Undefined for a channel outside the namespace. */
  readonly topic: string | undefined;
  readonly retained: boolean;
  /** MQTT 5 Message Expiry, Unix ms; undefined = never. */
  readonly expiresAt: number | undefined;
  /** The publisher's user (an MQTT client's client id): for No Local. */
  readonly publisher: string | undefined;
  private v4: Buffer | undefined;
  private v5: Buffer | undefined;

  constructor(
    readonly fanout: PublicationFanout,
    topics: TopicSpace,
  ) {
    const { tags, info } = fanout.pub;
    this.topic = topics.topicOfDelivery(fanout.channel, tags);
    this.retained = tags?.[RETAIN_TAG] === '1';
    const expires = tags?.[EXPIRES_AT_TAG];
    this.expiresAt = expires === undefined ? undefined : Number(expires);
    this.publisher = info?.user;
  }

  get payload(): Uint8Array {
    return this.fanout.pub.data;
  }

  /** The QoS 0 PUBLISH without RETAIN, properties or packet id, as `version` encodes it. */
  plainQos0(version: MqttVersion): Buffer {
    if (version === 5) return (this.v5 ??= this.encode(5));
    return (this.v4 ??= this.encode(4));
  }

  private encode(protocolVersion: MqttVersion): Buffer {
    const data = this.fanout.pub.data;
    const payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return mqtt.generate({ cmd: 'publish', topic: this.topic!, payload, qos: 0, dup: false, retain: false }, { protocolVersion });
  }
}

/**
 * The hub hands one fan-out to every local subscriber of the channel one after another, so
 * the last view made is the one asked for next: one slot, no map lookup per delivery.
 */
let last: MqttPublication | undefined;

/** The MQTT view of a fan-out, made on its first MQTT subscriber. */
export function mqttPublication(fanout: PublicationFanout, topics: TopicSpace): MqttPublication {
  if (last !== undefined && last.fanout === fanout) return last;
  return (last = new MqttPublication(fanout, topics));
}

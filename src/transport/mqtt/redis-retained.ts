import type { Cluster, Redis } from 'ioredis';
import { hasWildcard, topicMatches } from '../../lib/index.js';
import type { RetainedMessage, RetainedStore } from './retained.js';

/** HSCAN page size: a subscribe with a wildcard reads the retained topics in pages this big. */
const SCAN_COUNT = 500;

/**
 * Retained messages in Redis, one hash `<prefix>:mqtt:retained` (topic → flags byte,
 * then the expiry as an 8-byte double when flag 0x02 is set, then the payload; flag 0x01
 * is QoS 1), so every node delivers the same ones. An exact filter is one HGET; a wildcard
 * filter scans the hash, so its cost grows with the number of retained topics.
 */
export class RedisRetainedStore implements RetainedStore {
  private readonly key: string;

  constructor(
    private readonly client: Redis | Cluster,
    prefix: string,
  ) {
    this.key = `${prefix}:mqtt:retained`;
  }

  async retain(m: RetainedMessage): Promise<void> {
    if (m.payload.length === 0) await this.client.hdel(this.key, m.topic);
    else await this.client.hset(this.key, m.topic, encode(m));
  }

  async matching(filter: string): Promise<RetainedMessage[]> {
    if (!hasWildcard(filter)) {
      const value = await this.client.hgetBuffer(this.key, filter);
      return value ? [decode(filter, value)] : [];
    }
    const out: RetainedMessage[] = [];
    let cursor = '0';
    do {
      const [next, entries] = await this.client.hscanBuffer(this.key, cursor, 'COUNT', SCAN_COUNT);
      cursor = String(next);
      for (let i = 0; i + 1 < entries.length; i += 2) {
        const topic = entries[i]!.toString('utf8');
        if (topicMatches(filter, topic)) out.push(decode(topic, entries[i + 1]!));
      }
    } while (cursor !== '0');
    return out;
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}

const QOS1 = 0x01;
const EXPIRES = 0x02;

function encode(m: RetainedMessage): Buffer {
  if (m.expiresAt === undefined) return Buffer.concat([Buffer.from([m.qos]), m.payload]);
  const head = Buffer.alloc(9);
  head[0] = m.qos | EXPIRES;
  head.writeDoubleBE(m.expiresAt, 1);
  return Buffer.concat([head, m.payload]);
}

function decode(topic: string, value: Buffer): RetainedMessage {
  const flags = value[0]!;
  const qos = flags & QOS1 ? 1 : 0;
  if (!(flags & EXPIRES)) return { topic, qos, payload: value.subarray(1) };
  return { topic, qos, expiresAt: value.readDoubleBE(1), payload: value.subarray(9) };
}

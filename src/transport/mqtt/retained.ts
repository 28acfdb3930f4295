import { topicMatches } from '../../lib/index.js';

/** A retained message: the last retained PUBLISH of a topic. */
export interface RetainedMessage {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  /** MQTT 5 Message Expiry Interval as a deadline, Unix ms: not delivered after it. */
  expiresAt?: number;
}

/**
 * Where retained messages are kept, per topic. In memory for one node; in Redis so every
 * node serves the same ones. Methods reject when the store cannot be reached.
 */
export interface RetainedStore {
  /** Keeps the message as the topic's retained one; an empty payload clears it (MQTT 3.3.1.3). */
  retain(message: RetainedMessage): Promise<void>;
  /** The retained messages whose topics match a filter. */
  matching(filter: string): Promise<RetainedMessage[]>;
  close(): Promise<void>;
}

/**
 * One node's retained messages. A filter is matched against every retained topic: the
 * number of retained topics bounds the cost of a subscribe.
 */
export class MemoryRetainedStore implements RetainedStore {
  private readonly messages = new Map<string, RetainedMessage>();

  async retain(message: RetainedMessage): Promise<void> {
    if (message.payload.length === 0) this.messages.delete(message.topic);
    else this.messages.set(message.topic, message);
  }

  async matching(filter: string): Promise<RetainedMessage[]> {
    const exact = this.messages.get(filter);
    if (!filter.includes('+') && !filter.includes('#')) return exact ? [exact] : [];
    return [...this.messages.values()].filter((m) => topicMatches(filter, m.topic));
  }

  async close(): Promise<void> {
    this.messages.clear();
  }
}

import type { StreamPosition } from '../protocol/index.js';

const DEFAULT_TTL_MS = 5 * 60_000;

/**
 * Results of recent publishes by channel and idempotency key, so a retried publish
 * returns the first result and delivers nothing. Keys come from API callers, so every
 * entry expires (`sweep` drops the expired ones).
 */
export class IdempotentResults {
  private readonly entries = new Map<string, { position: StreamPosition; expiresAt: number }>();

  /** The remembered result, if `key` was used in `channel` and has not expired. */
  get(channel: string, key: string | undefined, now: number): StreamPosition | undefined {
    if (!key) return undefined;
    const seen = this.entries.get(entryKey(channel, key));
    return seen && seen.expiresAt > now ? seen.position : undefined;
  }

  remember(channel: string, key: string | undefined, position: StreamPosition, now: number, ttl = DEFAULT_TTL_MS): void {
    if (key) this.entries.set(entryKey(channel, key), { position, expiresAt: now + ttl });
  }

  sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
  }
}

// Length-prefixed so that no (channel, key) pair can spell another one.
const entryKey = (channel: string, key: string): string => `${channel.length}:${channel}${key}`;

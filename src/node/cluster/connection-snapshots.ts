import { randomString, type Clock } from '../../lib/index.js';
import type { ConnectionEntry } from './connections.js';

/** How long a snapshot can be paged, how many are kept, and the most connections one holds. */
export const SNAPSHOT_TTL_MS = 5 * 60_000;
export const MAX_SNAPSHOTS = 16;
export const MAX_SNAPSHOT_ENTRIES = 10_000;

interface Snapshot {
  entries: ConnectionEntry[];
  expiresAt: number;
}

/**
 * Connection listings frozen at gather time, kept on the node that gathered them, so a
 * long listing can be paged without connections coming and going between pages.
 */
export class ConnectionSnapshots {
  private readonly snapshots = new Map<string, Snapshot>();

  constructor(private readonly clock: Clock) {}

  /** Stores a sorted listing; returns its id and expiry (Unix ms). */
  add(entries: ConnectionEntry[]): { id: string; expiresAt: number } {
    this.prune();
    // The oldest goes first when full: a Map iterates in insertion order.
    if (this.snapshots.size >= MAX_SNAPSHOTS) this.snapshots.delete(this.snapshots.keys().next().value!);
    const id = randomString(12);
    const expiresAt = this.clock.now() + SNAPSHOT_TTL_MS;
    this.snapshots.set(id, { entries, expiresAt });
    return { id, expiresAt };
  }

  /** A page of a snapshot after a client id, or undefined when the snapshot is unknown or expired. */
  page(id: string, after: string, limit: number): { entries: ConnectionEntry[]; more: boolean; total: number } | undefined {
    this.prune();
    const s = this.snapshots.get(id);
    if (!s) return undefined;
    const start = after ? lowerBound(s.entries, after) : 0;
    return { entries: s.entries.slice(start, start + limit), more: start + limit < s.entries.length, total: s.entries.length };
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [id, s] of this.snapshots) if (s.expiresAt <= now) this.snapshots.delete(id);
  }
}

/** Index of the first entry whose client id sorts after `after`. */
function lowerBound(entries: ConnectionEntry[], after: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.client <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

import { BoundedMap, DroppingBuffer } from '../lib/index.js';
import { parseCursor } from './store.js';
import { endKeptSession, newestSessionFirst, sessionCursor, totalsOf, type ActivityStore, type ChannelMinute, type ChannelQuery, type ChannelTotals, type SessionEnd, type SessionQuery, type SessionRecord } from './activity.js';

/** Kept by every stored session without labels (most): an empty object each is memory per session. */
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

function labelsCopy(labels: Readonly<Record<string, string>>): Record<string, string> {
  for (const _ in labels) return { ...labels };
  return NO_LABELS as Record<string, string>;
}

/**
 * Activity in this process, for a node without PostgreSQL: a bounded window (the oldest
 * sessions and channel minutes go first past the bounds) of this node's traffic only.
 */
export class MemoryActivityStore implements ActivityStore {
  readonly kind = 'memory';
  /**
   * Oldest first; past the bound the oldest goes. No index by client id: a kept session's
   * end is written into its record, and an end handed over in a batch looks back from the
   * newest session, where sessions still open are.
   */
  private readonly sessionWindow: DroppingBuffer<SessionRecord>;
  private readonly minutes: BoundedMap<ChannelMinute>;

  constructor(maxSessions = 100_000, maxMinutes = 100_000) {
    this.sessionWindow = new DroppingBuffer(maxSessions);
    this.minutes = new BoundedMap(maxMinutes);
  }

  async writeSessions(opened: readonly SessionRecord[], ended: readonly SessionEnd[]): Promise<void> {
    for (const s of opened) this.keep(s);
    for (const e of ended) {
      const s = this.sessionWindow.findLast((k) => k.client === e.client);
      if (s) endKeptSession(s, e.disconnectedAt, e.code, e.reason);
    }
  }

  /** Kept as handed over (no copy per session); only the labels, which the connection still holds, are copied. */
  keep(s: SessionRecord): void {
    s.labels = labelsCopy(s.labels);
    this.sessionWindow.push(s);
  }

  async writeChannels(rows: readonly ChannelMinute[]): Promise<void> {
    for (const r of rows) {
      const key = `${r.minute}\u0000${r.channel}`;
      const m = this.minutes.get(key);
      if (m) {
        m.publications += r.publications;
        m.deliveries += r.deliveries;
        m.bytes += r.bytes;
      } else this.minutes.set(key, { ...r });
    }
  }

  async sessions(q: SessionQuery): Promise<{ sessions: SessionRecord[]; nextCursor: string }> {
    const after = parseCursor(q.cursor);
    const out: SessionRecord[] = [];
    for (const s of [...this.sessionWindow.values()].sort(newestSessionFirst)) {
      if (q.user !== '' && s.user !== q.user) continue;
      if (q.openOnly && s.disconnectedAt !== 0) continue;
      if ((q.since && s.connectedAt < q.since) || (q.until && s.connectedAt >= q.until)) continue;
      if (after && (s.connectedAt > after.at || (s.connectedAt === after.at && s.client >= after.id))) continue;
      if (out.length === q.limit) return { sessions: out, nextCursor: sessionCursor(out[out.length - 1]!) };
      out.push({ ...s });
    }
    return { sessions: out, nextCursor: '' };
  }

  async channels(q: ChannelQuery): Promise<ChannelTotals[]> {
    const rows = [...this.minutes.values()].filter((r) => r.channel.startsWith(q.prefix) && (!q.since || r.minute >= q.since) && (!q.until || r.minute < q.until));
    return totalsOf(rows, q.top);
  }

  async cleanup(before: number): Promise<number> {
    let gone = this.sessionWindow.retain((s) => s.disconnectedAt === 0 || s.disconnectedAt >= before);
    for (const [key, m] of this.minutes.entries()) if (m.minute < before && this.minutes.delete(key)) gone++;
    return gone;
  }
}

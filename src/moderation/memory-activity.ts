import { BoundedMap } from '../lib/index.js';
import { totalsOf, type ActivityStore, type ChannelMinute, type ChannelQuery, type ChannelTotals, type SessionEnd, type SessionQuery, type SessionRecord } from './activity.js';
import { SessionWindow } from './session-window.js';

/**
 * Activity in this process, for a node without PostgreSQL: a bounded window (the oldest
 * sessions and channel minutes go first past the bounds) of this node's traffic only.
 */
export class MemoryActivityStore implements ActivityStore {
  readonly kind = 'memory';
  /** Taken as they open; an end handed over in a batch is looked for from the newest back. */
  readonly kept: SessionWindow;
  private readonly minutes: BoundedMap<ChannelMinute>;

  constructor(maxSessions = 100_000, maxMinutes = 100_000) {
    this.kept = new SessionWindow(maxSessions);
    this.minutes = new BoundedMap(maxMinutes);
  }

  async writeSessions(opened: readonly SessionRecord[], ended: readonly SessionEnd[]): Promise<void> {
    for (const s of opened) this.kept.keep(s);
    for (const e of ended) {
      const handle = this.kept.handleOf(e.client);
      if (handle >= 0) this.kept.end(handle, e.disconnectedAt, e.code, e.reason);
    }
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
    return this.kept.query(q);
  }

  async channels(q: ChannelQuery): Promise<ChannelTotals[]> {
    const rows = [...this.minutes.values()].filter((r) => r.channel.startsWith(q.prefix) && (!q.since || r.minute >= q.since) && (!q.until || r.minute < q.until));
    return totalsOf(rows, q.top);
  }

  async cleanup(before: number): Promise<number> {
    let gone = this.kept.removeEndedBefore(before);
    for (const [key, m] of this.minutes.entries()) if (m.minute < before && this.minutes.delete(key)) gone++;
    return gone;
  }
}

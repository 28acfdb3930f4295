/** One session as activity records it. Times are unix ms; 0 = not yet (an open session). */
export interface SessionRecord {
  client: string;
  user: string;
  transport: string;
  protocol: string;
  remoteAddr: string;
  labels: Record<string, string>;
  appName: string;
  appVersion: string;
  /** The node's name, as `info` reports it (`node.name`, else the host name). */
  node: string;
  /** The node's `uid` in `info`: unique per process start, where names may repeat. */
  nodeUid: string;
  connectedAt: number;
  disconnectedAt: number;
  disconnectCode: number;
  disconnectReason: string;
}

/** How a session ended. */
export interface SessionEnd {
  client: string;
  disconnectedAt: number;
  code: number;
  reason: string;
}

/** One channel's traffic in one minute (`minute` = unix ms at the minute's start); stores add rows of the same key up. */
export interface ChannelMinute {
  channel: string;
  minute: number;
  publications: number;
  deliveries: number;
  bytes: number;
}

export interface SessionQuery {
  user: string;
  /** unix ms; 0 = unbounded. Sessions connected in [since, until). */
  since: number;
  until: number;
  openOnly: boolean;
  limit: number;
  /** The previous page's last `connectedAt:client`; '' = from the newest. */
  cursor: string;
}

export interface ChannelQuery {
  since: number;
  until: number;
  prefix: string;
  /** The busiest this many channels by publications. */
  top: number;
}

/** A channel's totals over the queried window. */
export interface ChannelTotals {
  channel: string;
  publications: number;
  deliveries: number;
  bytes: number;
  /** Per minute, oldest first. */
  minutes: Array<{ minute: number; publications: number; deliveries: number; bytes: number }>;
}

/**
 * Sessions kept in this process: there is no write to batch, so a session is taken when it
 * opens and its end written where it is kept, with no lookup by client id.
 */
export interface KeptSessions {
  /** Stores a session; returns its handle (0 or more), by which its end is written. */
  keep(s: SessionRecord): number;
  /** Writes the end of the session `keep` returned `handle` for, if it is still kept. */
  end(handle: number, disconnectedAt: number, code: number, reason: string): void;
}

/**
 * Where activity is kept: PostgreSQL (every node writes to it), else a bounded window in
 * this process. Writes come in batches from the recorder, off the hot path.
 */
export interface ActivityStore {
  readonly kind: 'memory' | 'postgres';
  /**
   * Records sessions that opened and ends of sessions (an end may arrive in the same batch
   * as its open). The records are handed over: a store may keep them as they are.
   */
  writeSessions(opened: readonly SessionRecord[], ended: readonly SessionEnd[]): Promise<void>;
  /** Present in a store in this process: sessions taken at once, with no batch. */
  readonly kept?: KeptSessions;
  /** Adds channel minutes to what is stored for the same channel and minute. */
  writeChannels(rows: readonly ChannelMinute[]): Promise<void>;
  sessions(q: SessionQuery): Promise<{ sessions: SessionRecord[]; nextCursor: string }>;
  channels(q: ChannelQuery): Promise<ChannelTotals[]>;
  /** Deletes what is older than `before` (unix ms); resolves with how many rows went. */
  cleanup(before: number): Promise<number>;
}

export const sessionCursor = (s: SessionRecord): string => `${s.connectedAt}:${s.client}`;

/** Sessions newest first: by connect time, then by client id, both descending. */
export const newerFirst = (atA: number, clientA: string, atB: number, clientB: string): number => atB - atA || (clientA < clientB ? 1 : clientA > clientB ? -1 : 0);

/** Totals and per-minute rows of a channel's minutes, the busiest `top` channels first. */
export function totalsOf(rows: readonly ChannelMinute[], top: number): ChannelTotals[] {
  const by = new Map<string, ChannelTotals>();
  for (const r of [...rows].sort((x, y) => x.minute - y.minute)) {
    let t = by.get(r.channel);
    if (!t) by.set(r.channel, (t = { channel: r.channel, publications: 0, deliveries: 0, bytes: 0, minutes: [] }));
    t.publications += r.publications;
    t.deliveries += r.deliveries;
    t.bytes += r.bytes;
    t.minutes.push({ minute: r.minute, publications: r.publications, deliveries: r.deliveries, bytes: r.bytes });
  }
  return [...by.values()].sort((a, b) => b.publications - a.publications || b.deliveries - a.deliveries || (a.channel < b.channel ? -1 : 1)).slice(0, top);
}

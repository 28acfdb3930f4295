import { newerFirst, sessionCursor, type KeptSessions, type SessionQuery, type SessionRecord } from './activity.js';
import { parseCursor } from './store.js';

/** Kept by every stored session without labels (most): an empty object each is memory per session. */
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

function labelsCopy(labels: Readonly<Record<string, string>>): Record<string, string> {
  for (const _ in labels) return { ...labels };
  return NO_LABELS as Record<string, string>;
}

/**
 * The newest `max` sessions in columns, one array per field, written round like a ring:
 * a slot is reused by the session `max` places later. Columns, not an object per session:
 * a window this large lives in the old generation, and every record object there was one
 * more object for each full collection to mark and for young collections to promote (the
 * connect path's main GC cost with activity on). Strings are kept as handed over (client id,
 * user, address: one object each, shared with the connection while it lives).
 */
export class SessionWindow implements KeptSessions {
  private readonly client: string[] = [];
  private readonly user: string[] = [];
  private readonly transport: string[] = [];
  private readonly protocol: string[] = [];
  private readonly remoteAddr: string[] = [];
  private readonly labels: Record<string, string>[] = [];
  private readonly appName: string[] = [];
  private readonly appVersion: string[] = [];
  private readonly node: string[] = [];
  private readonly nodeUid: string[] = [];
  private readonly connectedAt: number[] = [];
  private readonly disconnectedAt: number[] = [];
  private readonly code: number[] = [];
  private readonly reason: string[] = [];
  /** The slot the next session takes. */
  private next = 0;

  constructor(private readonly max: number) {}

  /** Slots in use (a removed session's slot counts until it is reused). */
  get size(): number {
    return this.client.length;
  }

  /**
   * Stores a session, over the oldest when full; returns its slot, by which its end is
   * written (`end`). The labels, which the connection still holds, are copied.
   */
  keep(s: SessionRecord): number {
    const i = this.next;
    this.next = i + 1 === this.max ? 0 : i + 1;
    this.client[i] = s.client;
    this.user[i] = s.user;
    this.transport[i] = s.transport;
    this.protocol[i] = s.protocol;
    this.remoteAddr[i] = s.remoteAddr;
    this.labels[i] = labelsCopy(s.labels);
    this.appName[i] = s.appName;
    this.appVersion[i] = s.appVersion;
    this.node[i] = s.node;
    this.nodeUid[i] = s.nodeUid;
    this.connectedAt[i] = s.connectedAt;
    this.disconnectedAt[i] = s.disconnectedAt;
    this.code[i] = s.disconnectCode;
    this.reason[i] = s.disconnectReason;
    return i;
  }

  /**
   * Writes the end of the session in `slot`, when it is still `client`'s (a slot reused by a
   * newer session, or emptied by `removeEndedBefore`, is left alone). Ids are unique, so the
   * comparison is the check.
   */
  end(slot: number, client: string, disconnectedAt: number, code: number, reason: string): void {
    if (this.client[slot] !== client) return;
    this.disconnectedAt[slot] = disconnectedAt;
    this.code[slot] = code;
    this.reason[slot] = reason;
  }

  /** The slot of `client`'s session, looked for from the newest back (where open sessions are); -1 when gone. */
  slotOf(client: string): number {
    const n = this.client.length;
    for (let k = 1; k <= n; k++) {
      const i = (this.next - k + n) % n;
      if (this.client[i] === client) return i;
    }
    return -1;
  }

  /** The session in a slot, as a record of its own (the caller may keep or change it). */
  private record(i: number): SessionRecord {
    return {
      client: this.client[i]!,
      user: this.user[i]!,
      transport: this.transport[i]!,
      protocol: this.protocol[i]!,
      remoteAddr: this.remoteAddr[i]!,
      labels: this.labels[i]!,
      appName: this.appName[i]!,
      appVersion: this.appVersion[i]!,
      node: this.node[i]!,
      nodeUid: this.nodeUid[i]!,
      connectedAt: this.connectedAt[i]!,
      disconnectedAt: this.disconnectedAt[i]!,
      disconnectCode: this.code[i]!,
      disconnectReason: this.reason[i]!,
    };
  }

  /** One page of the sessions a query asks for, newest first; records are built only for the page. */
  query(q: SessionQuery): { sessions: SessionRecord[]; nextCursor: string } {
    const after = parseCursor(q.cursor);
    const slots: number[] = [];
    for (let i = 0; i < this.client.length; i++) {
      const client = this.client[i]!;
      const at = this.connectedAt[i]!;
      // An emptied slot (removeEndedBefore) holds no session.
      if (client === '' || (q.user !== '' && this.user[i] !== q.user)) continue;
      if (q.openOnly && this.disconnectedAt[i] !== 0) continue;
      if ((q.since && at < q.since) || (q.until && at >= q.until)) continue;
      if (after && (at > after.at || (at === after.at && client >= after.id))) continue;
      slots.push(i);
    }
    slots.sort((a, b) => newerFirst(this.connectedAt[a]!, this.client[a]!, this.connectedAt[b]!, this.client[b]!));
    const sessions = slots.slice(0, q.limit).map((i) => this.record(i));
    return { sessions, nextCursor: slots.length > q.limit ? sessionCursor(sessions[sessions.length - 1]!) : '' };
  }

  /**
   * Empties the slots of sessions that ended before `before` (unix ms): their strings are let
   * go at once, the slots reused in turn. Returns how many went.
   */
  removeEndedBefore(before: number): number {
    let gone = 0;
    for (let i = 0; i < this.client.length; i++) {
      const ended = this.disconnectedAt[i]!;
      if (this.client[i] === '' || ended === 0 || ended >= before) continue;
      this.client[i] = this.user[i] = this.remoteAddr[i] = this.reason[i] = '';
      this.labels[i] = NO_LABELS as Record<string, string>;
      gone++;
    }
    return gone;
  }
}

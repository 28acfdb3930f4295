import { newerFirst, sessionCursor, type KeptSessions, type SessionQuery, type SessionRecord } from './activity.js';
import { parseCursor } from './store.js';

/** Kept by every stored session without labels (most): an empty object each is memory per session. */
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

function labelsCopy(labels: Readonly<Record<string, string>>): Record<string, string> {
  for (const _ in labels) return { ...labels };
  return NO_LABELS as Record<string, string>;
}

/** A session's references, side by side in `refs`: its slot's place plus one of these. */
const CLIENT = 0;
const USER = 1;
const TRANSPORT = 2;
const PROTOCOL = 3;
const REMOTE_ADDR = 4;
const LABELS = 5;
const APP_NAME = 6;
const APP_VERSION = 7;
const NODE = 8;
const NODE_UID = 9;
const REASON = 10;
const REFS = 11;
/** A session's numbers, side by side in `nums`. */
const CONNECTED_AT = 0;
const DISCONNECTED_AT = 1;
const CODE = 2;
const NUMS = 3;
/** Sessions per chunk (a power of two): the window grows a chunk at a time, never copying what it holds. */
const CHUNK_BITS = 11;
const CHUNK = 1 << CHUNK_BITS;

/** Up to CHUNK sessions: references side by side, numbers side by side. */
interface Chunk {
  refs: unknown[];
  nums: Float64Array;
}

/**
 * The newest `max` sessions, written round like a ring: a slot is reused by the session
 * `max` places later. Kept in chunks of flat arrays, a session's references side by side in
 * one and its numbers in the other, not as an object per session: a window this large
 * lives in the old generation, where every record object was one more for each full
 * collection to mark and for young collections to promote; a session is written in one or
 * two cache lines, where an array per field touched one each; and the window grows a chunk
 * at a time, where one growing array was copied whole at each growth (large objects each,
 * which bring full collections on). Strings are kept as handed over (client id, user,
 * address: shared with the connection while it lives).
 */
export class SessionWindow implements KeptSessions {
  private readonly chunks: Chunk[] = [];
  /** Slots ever written, up to `max`. */
  private filled = 0;
  /** The slot the next session takes. */
  private next = 0;

  constructor(private readonly max: number) {}

  /** Slots in use (a removed session's slot counts until it is reused). */
  get size(): number {
    return this.filled;
  }

  private chunk(slot: number): Chunk {
    return this.chunks[slot >> CHUNK_BITS]!;
  }

  private ref(slot: number, field: number): unknown {
    return this.chunk(slot).refs[(slot & (CHUNK - 1)) * REFS + field];
  }

  private num(slot: number, field: number): number {
    return this.chunk(slot).nums[(slot & (CHUNK - 1)) * NUMS + field]!;
  }

  /**
   * Stores a session, over the oldest when full; returns its slot, by which its end is
   * written (`end`). The labels, which the connection still holds, are copied.
   */
  keep(s: SessionRecord): number {
    const slot = this.next;
    this.next = slot + 1 === this.max ? 0 : slot + 1;
    if (slot === this.filled) {
      if ((slot & (CHUNK - 1)) === 0) this.chunks.push({ refs: new Array<unknown>(CHUNK * REFS), nums: new Float64Array(CHUNK * NUMS) });
      this.filled++;
    }
    const { refs, nums } = this.chunk(slot);
    const r = (slot & (CHUNK - 1)) * REFS;
    refs[r + CLIENT] = s.client;
    refs[r + USER] = s.user;
    refs[r + TRANSPORT] = s.transport;
    refs[r + PROTOCOL] = s.protocol;
    refs[r + REMOTE_ADDR] = s.remoteAddr;
    refs[r + LABELS] = labelsCopy(s.labels);
    refs[r + APP_NAME] = s.appName;
    refs[r + APP_VERSION] = s.appVersion;
    refs[r + NODE] = s.node;
    refs[r + NODE_UID] = s.nodeUid;
    refs[r + REASON] = s.disconnectReason;
    const n = (slot & (CHUNK - 1)) * NUMS;
    nums[n + CONNECTED_AT] = s.connectedAt;
    nums[n + DISCONNECTED_AT] = s.disconnectedAt;
    nums[n + CODE] = s.disconnectCode;
    return slot;
  }

  private clientAt(slot: number): string {
    return this.ref(slot, CLIENT) as string;
  }

  /**
   * Writes the end of the session in `slot`, when it is still `client`'s (a slot reused by a
   * newer session, or emptied by `removeEndedBefore`, is left alone). Ids are unique, so the
   * comparison is the check.
   */
  end(slot: number, client: string, disconnectedAt: number, code: number, reason: string): void {
    const { refs, nums } = this.chunk(slot);
    const i = slot & (CHUNK - 1);
    if (refs[i * REFS + CLIENT] !== client) return;
    nums[i * NUMS + DISCONNECTED_AT] = disconnectedAt;
    nums[i * NUMS + CODE] = code;
    refs[i * REFS + REASON] = reason;
  }

  /** The slot of `client`'s session, looked for from the newest back (where open sessions are); -1 when gone. */
  slotOf(client: string): number {
    const n = this.size;
    for (let k = 1; k <= n; k++) {
      const slot = (this.next - k + n) % n;
      if (this.clientAt(slot) === client) return slot;
    }
    return -1;
  }

  /** The session in a slot, as a record of its own (the caller may keep or change it). */
  private record(slot: number): SessionRecord {
    const ref = (field: number) => this.ref(slot, field) as string;
    return {
      client: ref(CLIENT),
      user: ref(USER),
      transport: ref(TRANSPORT),
      protocol: ref(PROTOCOL),
      remoteAddr: ref(REMOTE_ADDR),
      labels: this.ref(slot, LABELS) as Record<string, string>,
      appName: ref(APP_NAME),
      appVersion: ref(APP_VERSION),
      node: ref(NODE),
      nodeUid: ref(NODE_UID),
      connectedAt: this.num(slot, CONNECTED_AT),
      disconnectedAt: this.num(slot, DISCONNECTED_AT),
      disconnectCode: this.num(slot, CODE),
      disconnectReason: ref(REASON),
    };
  }

  /** One page of the sessions a query asks for, newest first; records are built only for the page. */
  query(q: SessionQuery): { sessions: SessionRecord[]; nextCursor: string } {
    const after = parseCursor(q.cursor);
    const slots: number[] = [];
    for (let slot = 0; slot < this.size; slot++) {
      const client = this.clientAt(slot);
      const at = this.num(slot, CONNECTED_AT);
      // An emptied slot (removeEndedBefore) holds no session.
      if (client === '' || (q.user !== '' && this.ref(slot, USER) !== q.user)) continue;
      if (q.openOnly && this.num(slot, DISCONNECTED_AT) !== 0) continue;
      if ((q.since && at < q.since) || (q.until && at >= q.until)) continue;
      if (after && (at > after.at || (at === after.at && client >= after.id))) continue;
      slots.push(slot);
    }
    slots.sort((a, b) => newerFirst(this.num(a, CONNECTED_AT), this.clientAt(a), this.num(b, CONNECTED_AT), this.clientAt(b)));
    const sessions = slots.slice(0, q.limit).map((slot) => this.record(slot));
    return { sessions, nextCursor: slots.length > q.limit ? sessionCursor(sessions[sessions.length - 1]!) : '' };
  }

  /**
   * Empties the slots of sessions that ended before `before` (unix ms): their strings are let
   * go at once, the slots reused in turn. Returns how many went.
   */
  removeEndedBefore(before: number): number {
    let gone = 0;
    for (let slot = 0; slot < this.size; slot++) {
      const ended = this.num(slot, DISCONNECTED_AT);
      if (this.clientAt(slot) === '' || ended === 0 || ended >= before) continue;
      const refs = this.chunk(slot).refs;
      const r = (slot & (CHUNK - 1)) * REFS;
      refs[r + CLIENT] = refs[r + USER] = refs[r + REMOTE_ADDR] = refs[r + REASON] = '';
      refs[r + LABELS] = NO_LABELS;
      gone++;
    }
    return gone;
  }
}

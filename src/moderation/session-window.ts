import { newerFirst, sessionCursor, type KeptSessions, type SessionQuery, type SessionRecord } from './activity.js';
import { StringCache, uuidText, uuidWords } from '../lib/index.js';
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
/** The handle `keep` gave the session in the slot; -1 once emptied. */
const HANDLE = 3;
const NUMS = 4;
/** Sessions per chunk (a power of two): the window grows a chunk at a time, never copying what it holds. */
const CHUNK_BITS = 11;
const CHUNK = 1 << CHUNK_BITS;

/** Words of a client id kept as numbers (see `uuidWords`). */
const ID_WORDS = 4;

/** Up to CHUNK sessions: references side by side, numbers side by side, client ids as words. */
interface Chunk {
  /** At CLIENT: the id's text, or null when it is in `ids`; '' for an emptied slot. */
  refs: unknown[];
  nums: Float64Array;
  ids: Uint32Array;
}

/** A client id as words, for comparing with kept ones; scratch, read before the next call. */
const asked = new Uint32Array(ID_WORDS);

/**
 * The newest `max` sessions, written round like a ring: a slot is reused by the session
 * `max` places later. Kept in chunks of flat arrays, a session's references side by side in
 * one and its numbers in the other, not as an object per session: a window this large
 * lives in the old generation, where every record object was one more for each full
 * collection to mark and for young collections to promote; a session is written in one or
 * two cache lines, where an array per field touched one each; and the window grows a chunk
 * at a time, where one growing array was copied whole at each growth (large objects each,
 * which bring full collections on). For the same reason a session holds as few objects of
 * its own as can be: its client id is kept as numbers (Parsec's ids are UUIDs), its user and
 * address are a copy shared with the sessions before it that had the same.
 */
export class SessionWindow implements KeptSessions {
  private readonly chunks: Chunk[] = [];
  /** Users and addresses repeat: the window keeps one copy of a recent value, not one per session. */
  private readonly strings = new StringCache();
  /** Sessions ever kept: the next one's handle. Its slot is the handle modulo `max`. */
  private count = 0;

  constructor(private readonly max: number) {}

  /** Slots in use (a removed session's slot counts until it is reused). */
  get size(): number {
    return Math.min(this.count, this.max);
  }

  private chunk(slot: number): Chunk {
    return this.chunks[slot >> CHUNK_BITS]!;
  }

  /** A slot's client id; '' for an emptied slot. */
  private clientAt(slot: number): string {
    const chunk = this.chunk(slot);
    const i = slot & (CHUNK - 1);
    const text = chunk.refs[i * REFS + CLIENT] as string | null;
    return text ?? uuidText(chunk.ids, i * ID_WORDS);
  }

  /** Whether a slot holds `client`'s session; `words`: whether `asked` holds the client's id as words. */
  private holds(slot: number, client: string, words: boolean): boolean {
    const chunk = this.chunk(slot);
    const i = slot & (CHUNK - 1);
    const text = chunk.refs[i * REFS + CLIENT] as string | null;
    if (text !== null) return text === client;
    if (!words) return false;
    const ids = chunk.ids;
    const at = i * ID_WORDS;
    return ids[at] === asked[0] && ids[at + 1] === asked[1] && ids[at + 2] === asked[2] && ids[at + 3] === asked[3];
  }

  private emptied(slot: number): boolean {
    return this.ref(slot, CLIENT) === '';
  }

  private ref(slot: number, field: number): unknown {
    return this.chunk(slot).refs[(slot & (CHUNK - 1)) * REFS + field];
  }

  private num(slot: number, field: number): number {
    return this.chunk(slot).nums[(slot & (CHUNK - 1)) * NUMS + field]!;
  }

  /**
   * Stores a session, over the oldest when full; returns its handle, by which its end is
   * written (`end`). The labels, which the connection still holds, are copied.
   */
  keep(s: SessionRecord): number {
    const handle = this.count++;
    const slot = handle % this.max;
    if (handle === slot && (slot & (CHUNK - 1)) === 0) this.chunks.push({ refs: new Array<unknown>(CHUNK * REFS), nums: new Float64Array(CHUNK * NUMS), ids: new Uint32Array(CHUNK * ID_WORDS) });
    const { refs, nums, ids } = this.chunk(slot);
    const r = (slot & (CHUNK - 1)) * REFS;
    refs[r + CLIENT] = uuidWords(s.client, ids, (slot & (CHUNK - 1)) * ID_WORDS) ? null : s.client;
    refs[r + USER] = this.strings.same(s.user);
    refs[r + TRANSPORT] = s.transport;
    refs[r + PROTOCOL] = s.protocol;
    refs[r + REMOTE_ADDR] = this.strings.same(s.remoteAddr);
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
    nums[n + HANDLE] = handle;
    return handle;
  }

  /**
   * Writes the end of the session `handle` names, when its slot still holds it (not reused
   * by a newer session, nor emptied by `removeEndedBefore`).
   */
  end(handle: number, disconnectedAt: number, code: number, reason: string): void {
    const slot = handle % this.max;
    const { refs, nums } = this.chunk(slot);
    const i = slot & (CHUNK - 1);
    if (nums[i * NUMS + HANDLE] !== handle) return;
    nums[i * NUMS + DISCONNECTED_AT] = disconnectedAt;
    nums[i * NUMS + CODE] = code;
    refs[i * REFS + REASON] = reason;
  }

  /** The handle of `client`'s session, looked for from the newest back (where open sessions are); -1 when gone. */
  handleOf(client: string): number {
    const words = uuidWords(client, asked, 0);
    for (let handle = this.count - 1; handle >= this.count - this.size; handle--) {
      if (this.holds(handle % this.max, client, words)) return handle;
    }
    return -1;
  }

  /** The session in a slot, as a record of its own (the caller may keep or change it). */
  private record(slot: number): SessionRecord {
    const ref = (field: number) => this.ref(slot, field) as string;
    return {
      client: this.clientAt(slot),
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
      const at = this.num(slot, CONNECTED_AT);
      // An emptied slot (removeEndedBefore) holds no session.
      if (this.emptied(slot) || (q.user !== '' && this.ref(slot, USER) !== q.user)) continue;
      if (q.openOnly && this.num(slot, DISCONNECTED_AT) !== 0) continue;
      if ((q.since && at < q.since) || (q.until && at >= q.until)) continue;
      if (after && (at > after.at || (at === after.at && this.clientAt(slot) >= after.id))) continue;
      slots.push(slot);
    }
    // Ids are read (made from their words) only for sessions that connected at the same ms.
    slots.sort((a, b) => {
      const atA = this.num(a, CONNECTED_AT);
      const atB = this.num(b, CONNECTED_AT);
      return atA !== atB ? atB - atA : newerFirst(atA, this.clientAt(a), atB, this.clientAt(b));
    });
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
      if (this.emptied(slot) || ended === 0 || ended >= before) continue;
      const refs = this.chunk(slot).refs;
      const r = (slot & (CHUNK - 1)) * REFS;
      refs[r + CLIENT] = refs[r + USER] = refs[r + REMOTE_ADDR] = refs[r + REASON] = '';
      refs[r + LABELS] = NO_LABELS;
      this.chunk(slot).nums[(slot & (CHUNK - 1)) * NUMS + HANDLE] = -1;
      gone++;
    }
    return gone;
  }
}

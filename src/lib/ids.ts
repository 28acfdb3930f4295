import { randomBytes, randomFillSync } from 'node:crypto';

/** Random bytes for this many UUIDs are drawn at once (as Node's own randomUUID does). */
const POOLED = 128;
const pool = Buffer.alloc(16 * POOLED);
let pooled = POOLED;
const text = Buffer.alloc(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Where each of the 16 bytes goes in the 36 characters (the dashes sit at 8, 13, 18, 23). */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
text.fill('-');

/**
 * A random UUID v4 as one flat string. Node's `randomUUID` joins its result from 20 pieces,
 * a tree of about 490 bytes of heap until something flattens it; a connection's id lives as
 * long as the connection (and an activity record keeps it after), so it is made flat here:
 * the same 36 characters, about 56 bytes.
 */
function flatUuid(): string {
  if (pooled === POOLED) {
    randomFillSync(pool);
    pooled = 0;
  }
  const at = 16 * pooled++;
  for (let i = 0; i < 16; i++) {
    let b = pool[at + i]!;
    if (i === 6) b = (b & 0x0f) | 0x40; // version 4
    else if (i === 8) b = (b & 0x3f) | 0x80; // RFC 4122 variant
    text[AT[i]!] = HEX[b >> 4]!;
    text[AT[i]! + 1] = HEX[b & 0x0f]!;
  }
  return text.toString('latin1', 0, 36);
}

/** A new client id (UUID v4, as Centrifugo uses). */
export const newClientId = (): string => flatUuid();

/**
 * A new session id for an emulated (SSE, HTTP-streaming) connection. It is the only thing
 * an `/emulation` request presents to act as the session, so it is random and distinct from
 * the client id, which other clients see in presence and join/leave.
 */
export const newSessionId = (): string => flatUuid();

/** A short random token for stream epochs and node ids. */
export function randomString(bytes = 6): string {
  return randomBytes(bytes).toString('base64url');
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A unique id that sorts by creation time (the ULID layout: 48 bits of milliseconds, then
 * 80 random bits, 26 Crockford base32 characters), for token ids and device client ids.
 */
export function newSortableId(now: number = Date.now()): string {
  let time = '';
  for (let t = Math.floor(now), i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32]! + time;
  let random = '';
  for (const b of randomBytes(16)) random += CROCKFORD[b % 32];
  return time + random;
}

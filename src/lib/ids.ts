import { randomBytes, randomUUID } from 'node:crypto';

/** A new client id (UUID v4, as Centrifugo uses). */
export const newClientId = (): string => randomUUID();

/**
 * A new session id for an emulated (SSE, HTTP-streaming) connection. It is the only thing
 * an `/emulation` request presents to act as the session, so it is random and distinct from
 * the client id, which other clients see in presence and join/leave.
 */
export const newSessionId = (): string => randomUUID();

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

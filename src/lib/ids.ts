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

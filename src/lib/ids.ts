import { randomBytes, randomUUID } from 'node:crypto';

/** A new client id (UUID v4, as Centrifugo uses). */
export const newClientId = (): string => randomUUID();

/** A short random token for stream epochs and node ids. */
export function randomString(bytes = 6): string {
  return randomBytes(bytes).toString('base64url');
}

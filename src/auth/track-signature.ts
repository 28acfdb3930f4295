import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../lib/index.js';
import { ClientError, ErrorCode } from '../protocol/index.js';

/*
 * Signatures over the item keys a client may track on a shared-poll channel, as Centrifugo
 * checks them: `<iat>:<exp>:<hex HMAC-SHA256>`, where the MAC covers iat, exp, the user,
 * the channel and the SHA-256 of the keys, NUL-separated. NUL (not ':') separates the
 * fields so a colon inside a user id or channel cannot move between fields and sign a
 * different (user, channel) pair.
 */

/** Seconds a signature still counts after its `exp`, for clock skew and in-flight requests. */
export const TRACK_SIGNATURE_GRACE_SECONDS = 5;

export interface TrackSignatureKeys {
  /** `shared_poll.hmac_secret_key`. */
  secret: string;
  /** `shared_poll.hmac_previous_secret_key`: still accepted during a key rotation; '' = none. */
  previousSecret: string;
  /** Unix seconds: signatures issued (iat) later are not accepted with the previous key; 0 = no limit. */
  previousValidUntil: number;
}

/** What is signed: the keys in the order the client sends them. */
export interface TrackGrant {
  /** Unix seconds. */
  issuedAt: number;
  /** Unix seconds; 0 = never expires. */
  expireAt: number;
  /** '' for anonymous connections. */
  user: string;
  channel: string;
  keys: readonly string[];
}

/** The MAC over the timestamps as written in the signature, the user, the channel and the keys. */
function mac(secret: string, issuedAt: string, expireAt: string, g: Pick<TrackGrant, 'user' | 'channel' | 'keys'>): string {
  const keysHash = createHash('sha256').update(g.keys.join('\0')).digest('hex');
  return createHmac('sha256', secret).update(`${issuedAt}\0${expireAt}\0${g.user}\0${g.channel}\0${keysHash}`).digest('hex');
}

/** The signature a backend gives a client for `grant` (what app backends compute; tests use it too). */
export function signTrackGrant(secret: string, grant: TrackGrant): string {
  const iat = String(grant.issuedAt);
  const exp = String(grant.expireAt);
  return `${iat}:${exp}:${mac(secret, iat, exp, grant)}`;
}

const SIGNATURE = /^(-?\d+):(-?\d+):([0-9a-f]+)$/;

/** Checks track signatures with the current key and, during a rotation, the previous one. */
export class TrackSignatureVerifier {
  constructor(
    private readonly keys: Readonly<TrackSignatureKeys>,
    private readonly clock: Clock,
  ) {}

  /**
   * The signature's expiry (unix seconds, 0 = none) when it signs exactly these keys for
   * this user and channel.
   * @throws ClientError 103 (permission denied) for a signature that does not verify, 109
   *   (token expired) for a valid one past its expiry and grace, so the SDK asks for a new one
   */
  verify(signature: string, user: string, channel: string, keys: readonly string[]): number {
    const m = SIGNATURE.exec(signature);
    if (!m) throw new ClientError(ErrorCode.permissionDenied);
    const [, iat, exp, given] = m as unknown as [string, string, string, string];
    const issuedAt = Number(iat);
    const expireAt = Number(exp);
    const signed = { user, channel, keys };
    let valid = this.keys.secret !== '' && sameHex(given, mac(this.keys.secret, iat, exp, signed));
    if (!valid && this.keys.previousSecret) {
      if (this.keys.previousValidUntil > 0 && issuedAt > this.keys.previousValidUntil) throw new ClientError(ErrorCode.permissionDenied);
      valid = sameHex(given, mac(this.keys.previousSecret, iat, exp, signed));
    }
    if (!valid) throw new ClientError(ErrorCode.permissionDenied);
    const now = Math.floor(this.clock.now() / 1000);
    if (expireAt > 0 && expireAt + TRACK_SIGNATURE_GRACE_SECONDS < now) throw new ClientError(ErrorCode.tokenExpired);
    return Math.max(0, expireAt);
  }
}

function sameHex(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

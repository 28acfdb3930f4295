import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../lib/index.js';

/** One admin login: who, until when, and the token its state-changing requests must echo. */
export interface AdminSession {
  /** Session id, so a logout can end this session alone. */
  sid: string;
  user: string;
  /** Expiry, ms since the epoch. */
  exp: number;
  /** Sent back by the page in `X-Parsec-Csrf`; a cross-site form cannot read it. */
  csrf: string;
}

const b64 = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/**
 * Stateless sessions: the cookie holds the session as base64url JSON and an HMAC-SHA256 over
 * it, keyed from `admin.secret`, so any node with the same secret accepts it. Logged-out
 * sessions are remembered until they would have expired anyway.
 */
export class SessionSigner {
  private readonly key: Buffer;
  private readonly ended = new Map<string, number>();

  constructor(
    secret: string,
    private readonly ttl: number,
    private readonly clock: Clock,
  ) {
    // A key of its own, so the cookie MAC says nothing about the configured secret itself.
    this.key = createHmac('sha256', secret).update('parsec admin session v1').digest();
  }

  issue(user: string): { value: string; session: AdminSession } {
    const session: AdminSession = { sid: b64(randomBytes(12)), user, exp: this.clock.now() + this.ttl, csrf: b64(randomBytes(18)) };
    const body = b64(JSON.stringify(session));
    return { value: `${body}.${this.mac(body)}`, session };
  }

  verify(value: string | undefined): AdminSession | undefined {
    if (!value) return undefined;
    const [body, mac] = value.split('.');
    if (!body || !mac) return undefined;
    const want = Buffer.from(this.mac(body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    let s: AdminSession;
    try {
      s = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as AdminSession;
    } catch {
      return undefined;
    }
    if (typeof s.exp !== 'number' || s.exp <= this.clock.now() || this.ended.has(s.sid)) return undefined;
    return s;
  }

  /** Logout: the session's cookie is refused from now on, on this node. */
  end(s: AdminSession): void {
    const now = this.clock.now();
    for (const [sid, exp] of this.ended) if (exp <= now) this.ended.delete(sid);
    this.ended.set(s.sid, s.exp);
  }

  get ttlMs(): number {
    return this.ttl;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

import { Cluster, type Redis } from 'ioredis';
import { z } from 'zod';
import type { Clock } from '../lib/index.js';
import { coveredByUserRevocation, type RevocationStore, type RevokedToken, type RevokedUser, type TokenIdentity } from '../node/index.js';

export interface RedisRevocationsOptions {
  client: Redis | Cluster;
  /** Key prefix shared with the engine (`engine.redis.prefix`). */
  prefix: string;
  clock: Clock;
  /** ms; every entry is SET with this as its EX, so Redis forgets it once no token it concerns can be alive. */
  maxTtl: number;
  /** Whether closing the store closes the client (true when the store owns it). */
  ownsClient: boolean;
}

/** At most this many entries in a listing: the list is for operators, not a bulk export. */
export const LIST_LIMIT = 10_000;

const tokenValue = z.object({ reason: z.string(), revoked_at: z.number() });

/**
 * Sets a user's revocation time unless a later one is already there: notices can arrive out
 * of order (two nodes revoking the same user), and the later time covers more tokens.
 */
const KEEP_LATER = `local cur = tonumber(redis.call('GET', KEYS[1]))
if cur and cur >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

/**
 * Revocations in Redis, seen by every node:
 * `<prefix>:tb:revoked:<token id>` → `{"reason", "revoked_at"}` and
 * `<prefix>:tb:user_revoked_at:<user>` → unix ms, both with EX = max TTL.
 */
export class RedisRevocations implements RevocationStore {
  readonly shared = true;
  private readonly ttlSeconds: number;
  private closed = false;

  constructor(private readonly opts: RedisRevocationsOptions) {
    this.ttlSeconds = Math.max(1, Math.ceil(opts.maxTtl / 1000));
  }

  tokenKey(tokenId: string): string {
    return `${this.opts.prefix}:tb:revoked:${tokenId}`;
  }

  userKey(user: string): string {
    return `${this.opts.prefix}:tb:user_revoked_at:${user}`;
  }

  async revokeTokens(tokens: readonly RevokedToken[]): Promise<void> {
    const { client } = this.opts;
    await Promise.all(tokens.map((t) => client.set(this.tokenKey(t.tokenId), JSON.stringify({ reason: t.reason, revoked_at: t.revokedAt }), 'EX', this.ttlSeconds)));
  }

  async unrevokeTokens(tokenIds: readonly string[]): Promise<void> {
    // One DEL per key: under Redis Cluster the keys live in different slots.
    await Promise.all(tokenIds.map((id) => this.opts.client.del(this.tokenKey(id))));
  }

  async revokeUser({ user, revokedAt }: RevokedUser): Promise<void> {
    await this.opts.client.eval(KEEP_LATER, 1, this.userKey(user), String(revokedAt), String(this.ttlSeconds));
  }

  async isRevoked(t: TokenIdentity): Promise<boolean> {
    const { client } = this.opts;
    // Both questions go out together: one round trip.
    const [tokenHit, userAt] = await Promise.all([t.tokenId ? client.exists(this.tokenKey(t.tokenId)) : 0, t.user ? client.get(this.userKey(t.user)) : null]);
    if (tokenHit > 0) return true;
    return userAt !== null && coveredByUserRevocation(t.issuedAt, Number(userAt));
  }

  async list(): Promise<{ tokens: RevokedToken[]; users: RevokedUser[] }> {
    const [tokenKeys, userKeys] = await Promise.all([this.scan(this.tokenKey('*')), this.scan(this.userKey('*'))]);
    const { client } = this.opts;
    const tokens = await Promise.all(
      tokenKeys.map(async (key): Promise<RevokedToken | undefined> => {
        // A key that expired since the SCAN reads as null; one written by something else
        // may not be JSON: neither is a revocation to list, and neither stops the listing.
        const parsed = tokenValue.safeParse(parseJson(await client.get(key)));
        return parsed.success ? { tokenId: key.slice(this.tokenKey('').length), reason: parsed.data.reason, revokedAt: parsed.data.revoked_at } : undefined;
      }),
    );
    const users = await Promise.all(
      userKeys.map(async (key): Promise<RevokedUser | undefined> => {
        const at = Number(await client.get(key));
        return Number.isFinite(at) && at > 0 ? { user: key.slice(this.userKey('').length), revokedAt: at } : undefined;
      }),
    );
    const present = <T>(v: T | undefined): v is T => v !== undefined;
    return {
      tokens: tokens.filter(present).sort((a, b) => b.revokedAt - a.revokedAt),
      users: users.filter(present).sort((a, b) => b.revokedAt - a.revokedAt),
    };
  }

  /** Keys matching a pattern, on every master of a Cluster; at most LIST_LIMIT. */
  private async scan(pattern: string): Promise<string[]> {
    const { client } = this.opts;
    const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
    const keys: string[] = [];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0' && keys.length < LIST_LIMIT);
    }
    return keys.slice(0, LIST_LIMIT);
  }

  async close(): Promise<void> {
    if (this.closed || !this.opts.ownsClient) return;
    this.closed = true;
    this.opts.client.disconnect();
  }
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

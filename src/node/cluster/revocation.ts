import { ClientError, DisconnectCode, ErrorCode } from '../../protocol/index.js';
import type { Client } from '../session/client.js';
import type { Node } from '../node.js';

/** One revoked token id. */
export interface RevokedToken {
  tokenId: string;
  /** Why, as the revoker said; '' when not given. */
  reason: string;
  /** Unix ms. */
  revokedAt: number;
}

/** A user whose tokens issued at or before `revokedAt` (unix ms) are revoked. */
export interface RevokedUser {
  user: string;
  revokedAt: number;
}

/** What a token presents to a revocation check. */
export interface TokenIdentity {
  tokenId?: string;
  user: string;
  /** `iat`, unix seconds; a token without one counts as issued before any user revocation. */
  issuedAt?: number;
}

/**
 * Where revocations are kept. Entries expire on their own after the store's max TTL (by then
 * every token they could concern has expired). Every method rejects when the store cannot be
 * reached; callers fail closed.
 */
export interface RevocationStore {
  /** True when every node reads the same entries (Redis); a node-local store is fed from the control plane. */
  readonly shared: boolean;
  /** Revokes token ids; idempotent (a later call refreshes reason and time). */
  revokeTokens(tokens: readonly RevokedToken[]): Promise<void>;
  /** Lifts token revocations; ids not revoked are ignored. */
  unrevokeTokens(tokenIds: readonly string[]): Promise<void>;
  /** Revokes every token of the user issued at or before `revokedAt`; a later time replaces an earlier one. */
  revokeUser(entry: RevokedUser): Promise<void>;
  /** Whether the token id is revoked or its user was revoked at or after its `iat`. */
  isRevoked(token: TokenIdentity): Promise<boolean>;
  /** Every live entry, newest first. */
  list(): Promise<{ tokens: RevokedToken[]; users: RevokedUser[] }>;
  /** Stops timers and connections; idempotent. */
  close(): Promise<void>;
}

/** A revocation as the control plane carries it to every node. */
export type RevocationNotice =
  | { kind: 'tokens'; tokens: RevokedToken[] }
  | { kind: 'user'; user: RevokedUser }
  | { kind: 'unrevoke'; tokenIds: string[] };

/** Whether a user revocation at `revokedAt` (ms) covers a token issued at `issuedAt` (s). */
export function coveredByUserRevocation(issuedAt: number | undefined, revokedAt: number): boolean {
  return issuedAt === undefined || issuedAt * 1000 <= revokedAt;
}

export const TOKEN_REVOKED_REASON = 'token revoked';

/**
 * Refuses a revoked token: `onRevoked` builds the outcome for the situation (3500 on
 * connect and refresh, 103 on subscribe). A store that can't answer makes a temporary
 * error, so SDKs retry instead of being let in unchecked.
 */
export function refuseRevoked(client: Client, tokens: ReadonlyArray<TokenIdentity | undefined>, onRevoked: () => Error): Promise<void> | undefined {
  const store = client.node.deps.revocations;
  // Without a store there is nothing to wait for: no promise on the connect path.
  return store ? askStore(client, store, tokens, onRevoked) : undefined;
}

async function askStore(client: Client, store: RevocationStore, tokens: ReadonlyArray<TokenIdentity | undefined>, onRevoked: () => Error): Promise<void> {
  let revoked: boolean[];
  try {
    revoked = await Promise.all(tokens.map((t) => (t && (t.tokenId || t.user) ? store.isRevoked(t) : false)));
  } catch (err) {
    client.log.error({ err }, 'revocation check failed');
    throw new ClientError(ErrorCode.internal);
  }
  if (!revoked.includes(true)) return;
  client.log.info({ user: client.user }, 'revoked token refused');
  throw onRevoked();
}

/** Keeps a node-local store in step with revocations taken by other nodes. */
async function replicate(store: RevocationStore, notice: RevocationNotice): Promise<void> {
  switch (notice.kind) {
    case 'tokens':
      return store.revokeTokens(notice.tokens);
    case 'user':
      return store.revokeUser(notice.user);
    case 'unrevoke':
      return store.unrevokeTokens(notice.tokenIds);
  }
}

/** The sessions on this node a notice ends. */
function revokedSessions(node: Node, notice: RevocationNotice): Client[] {
  switch (notice.kind) {
    case 'tokens':
      return notice.tokens.flatMap((t) => [...node.hub.tokenClients(t.tokenId)]);
    case 'user': {
      const { user, revokedAt } = notice.user;
      return [...node.hub.userClients(user)].filter((c) => coveredByUserRevocation(c.credentials.issuedAt, revokedAt));
    }
    case 'unrevoke':
      return [];
  }
}

/**
 * Applies a revocation on this node: a node-local store records what another node revoked,
 * and every session holding a revoked token is disconnected (3500, no reconnect). Returns
 * how many sessions it ended.
 */
export async function applyRevocation(node: Node, notice: RevocationNotice, fromOtherNode: boolean): Promise<number> {
  const store = node.deps.revocations;
  if (store && !store.shared && fromOtherNode) await replicate(store, notice);
  const hit = revokedSessions(node, notice);
  for (const c of hit) c.disconnect(DisconnectCode.invalidToken, TOKEN_REVOKED_REASON);
  return hit.length;
}

/** Store lookups in flight at once during a sweep, so a large node does not flood the store. */
const SWEEP_CONCURRENCY = 64;

/**
 * Checks every session on this node against the store and ends those holding a revoked
 * token. Run when the engine's delivery resumes after an interruption: a revocation
 * notice sent meanwhile was lost (PUB/SUB is at most once), but a shared store still
 * holds the revocation. Returns how many sessions it ended.
 */
export async function sweepRevoked(node: Node): Promise<number> {
  const store = node.deps.revocations;
  if (!store?.shared) return 0;
  const sessions = [...node.hub.allClients()].filter((c) => c.credentials.tokenId || c.user);
  let ended = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sessions.length) {
      const c = sessions[next++]!;
      const { tokenId, issuedAt } = c.credentials;
      if (c.state === 'closed' || !(await store.isRevoked({ tokenId, user: c.user, issuedAt }))) continue;
      c.disconnect(DisconnectCode.invalidToken, TOKEN_REVOKED_REASON);
      ended++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, sessions.length) }, worker));
  return ended;
}

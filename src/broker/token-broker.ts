import type { Logger } from 'pino';
import { signConnectionToken, type SigningKey } from '../auth/index.js';
import type { TokenBrokerConfig } from '../config/types.js';
import { newSortableId, type Clock } from '../lib/index.js';
import type { IssueKind, TokenBrokerMetrics } from '../metrics/index.js';
import type { RevocationNotice, RevocationStore, RevokedToken, RevokedUser } from '../node/index.js';
import type { AuditEntry, AuditStore } from './audit.js';
import type { Principal } from './authenticator.js';
import type { Authorizer, DeniedChannel } from './authorizer.js';
import { BrokerError, BrokerErrorCode } from './errors.js';
import { compilePattern } from './patterns.js';
import type { CredentialsRequest, DelegateRequest, IssueRequest, RevokeRequest } from './requests.js';

/** What `/token` and `/token/delegate` answer. */
export interface IssueResponse {
  token: string;
  token_id: string;
  /** RFC 3339. */
  expires_at: string;
  channels_granted: string[];
  channels_denied: DeniedChannel[];
}

/** Tells every node of a revocation (the node's control plane). */
export interface RevocationBroadcast {
  revoke(notice: RevocationNotice): Promise<void>;
}

export interface TokenBrokerDeps {
  config: Readonly<TokenBrokerConfig>;
  /** `client.channel_limit` and `channel.max_length`: a request the server would refuse anyway is refused here. */
  channelLimit: number;
  channelMaxLength: number;
  signingKey: SigningKey;
  authorizer: Authorizer;
  revocations: RevocationStore;
  /** A blocked user gets no token (403), whether asking for themselves or delegated. */
  isBlocked: (user: string) => boolean;
  audit: AuditStore;
  broadcast: RevocationBroadcast;
  clock: Clock;
  log: Logger;
  metrics: TokenBrokerMetrics;
}

/** Who asks for a revocation: a user or service (only its own tokens) or the operator with the server API key. */
export type Revoker = { kind: 'caller'; principal: Principal } | { kind: 'admin' };

interface MintSpec {
  user: string;
  channels: string[];
  ttlMs: number;
  delegator: string;
  remoteAddr: string;
  extra?: Record<string, unknown>;
}

/**
 * The token broker's operations, independent of HTTP: issue a connection token for the
 * channels the authorizer grants, delegate, bulk credentials, revoke. Every token it signs is
 * audited (log and store) before it is handed out.
 */
export class TokenBroker {
  private readonly delegation: Array<[string, Array<(user: string, self: string) => boolean>]>;

  constructor(private readonly deps: TokenBrokerDeps) {
    this.delegation = Object.entries(deps.config.delegation.services).map(([service, users]) => [service, users.map(compilePattern)]);
  }

  /** A token for the caller, scoped to the requested channels it is granted. */
  async issue(caller: Principal, req: IssueRequest, remoteAddr: string): Promise<IssueResponse> {
    return this.counted('token', () => this.grantAndMint(caller, req.channels, req.ttl, '', remoteAddr));
  }

  /** A token for another user, asked for by a service the delegation policy lets act for that user. */
  async delegate(service: Principal, req: DelegateRequest, remoteAddr: string): Promise<IssueResponse> {
    return this.counted('delegate', () => this.delegated(service, req, remoteAddr));
  }

  /** Counts what was issued (`count` tokens) and what the broker refused, by HTTP status. */
  private async counted<T>(kind: IssueKind, issue: () => Promise<T>, count: (out: T) => number = () => 1): Promise<T> {
    const { metrics } = this.deps;
    try {
      const out = await issue();
      metrics.issue(kind, count(out));
      return out;
    } catch (err) {
      if (err instanceof BrokerError) metrics.refuse(kind, err.status);
      throw err;
    }
  }

  private async delegated(service: Principal, req: DelegateRequest, remoteAddr: string): Promise<IssueResponse> {
    const target = req.on_behalf_of;
    const allowed = this.delegation.some(([s, users]) => s === service.id && users.some((m) => m(target, service.id)));
    if (!allowed) throw new BrokerError(BrokerErrorCode.forbidden, `"${service.id}" may not request tokens on behalf of "${target}" (parsec.token_broker.delegation)`);
    const user: Principal = { id: target, kind: 'user', claims: {} };
    const ttl = req.lifetime_seconds ? req.lifetime_seconds * 1000 : undefined;
    return this.grantAndMint(user, req.channels, ttl, service.id, remoteAddr);
  }

  private async grantAndMint(user: Principal, requested: string[], ttl: number | undefined, delegator: string, remoteAddr: string): Promise<IssueResponse> {
    if (this.deps.isBlocked(user.id)) throw new BrokerError(BrokerErrorCode.forbidden, `user "${user.id}" is blocked`);
    const channels = this.checkChannels(requested);
    const decision = await this.deps.authorizer.authorize(user, channels);
    if (decision.granted.length === 0) {
      throw new BrokerError(BrokerErrorCode.forbidden, 'none of the requested channels is granted', { channels_denied: decision.denied });
    }
    const extra = delegator ? { act: { sub: delegator } } : undefined;
    const minted = await this.mint([{ user: user.id, channels: decision.granted, ttlMs: this.clampTtl(ttl), delegator, remoteAddr, extra }]);
    const { token, entry } = minted[0]!;
    return {
      token,
      token_id: entry.tokenId,
      expires_at: new Date(entry.expiresAt).toISOString(),
      channels_granted: decision.granted,
      channels_denied: decision.denied,
    };
  }

  /** Distinct names, within the server's channel limit and name length. */
  private checkChannels(requested: readonly string[]): string[] {
    const channels = [...new Set(requested)];
    if (channels.length > this.deps.channelLimit) {
      throw new BrokerError(BrokerErrorCode.badRequest, `at most ${this.deps.channelLimit} channels per token (client.channel_limit)`);
    }
    const long = channels.find((c) => c.length > this.deps.channelMaxLength);
    if (long) throw new BrokerError(BrokerErrorCode.badRequest, `channel name longer than ${this.deps.channelMaxLength} characters (channel.max_length)`);
    return channels;
  }

  /** A requested lifetime (absent or 0 = the default), never beyond the maximum. */
  private clampTtl(ms: number | undefined): number {
    const { defaultTtl, maxTtl } = this.deps.config;
    return Math.min(ms || defaultTtl, maxTtl);
  }

  /** Signs tokens and audits them; the audit store failing is logged, never a refusal (the log line stays). */
  private async mint(specs: readonly MintSpec[]): Promise<Array<{ token: string; entry: AuditEntry }>> {
    const now = this.deps.clock.now();
    const iat = Math.floor(now / 1000);
    const out = await Promise.all(
      specs.map(async (s) => {
        const tokenId = newSortableId(now);
        const ttl = Math.ceil(s.ttlMs / 1000);
        const token = await signConnectionToken(this.deps.signingKey, { user: s.user, ttl, channels: s.channels, tokenId, now: iat, extra: s.extra });
        const entry: AuditEntry = {
          tokenId,
          issuedTo: s.user,
          delegator: s.delegator,
          channels: s.channels,
          expiresAt: ttl > 0 ? (iat + ttl) * 1000 : 0,
          issuedAt: now,
          remoteAddr: s.remoteAddr,
        };
        return { token, entry };
      }),
    );
    const entries = out.map((o) => o.entry);
    for (const e of entries) {
      this.deps.log.info(
        { token_id: e.tokenId, issued_to: e.issuedTo, delegator: e.delegator || undefined, channels: e.channels, expires_at: e.expiresAt || undefined, issued_at: e.issuedAt, remote_addr: e.remoteAddr },
        'token issued',
      );
    }
    await this.deps.audit.record(entries).catch((err: unknown) => this.deps.log.error({ err, count: entries.length }, 'audit store failed'));
    return out;
  }

  /**
   * Device/MQTT credentials: one token per client id (given, or generated sortable ids), `sub`
   * = client id, with the deployment's expiration and a topic ACL.
   */
  async credentials(req: CredentialsRequest, count: number, remoteAddr: string): Promise<Record<string, string>> {
    return this.counted('credentials', () => this.mintCredentials(req, count, remoteAddr), (out) => Object.keys(out).length);
  }

  private async mintCredentials(req: CredentialsRequest, count: number, remoteAddr: string): Promise<Record<string, string>> {
    const ids = req.client_ids ?? Array.from({ length: count }, () => newSortableId(this.deps.clock.now()));
    if (new Set(ids).size !== ids.length) throw new BrokerError(BrokerErrorCode.badRequest, 'client_ids must be distinct');
    const channels = req.channels ? this.checkChannels(req.channels) : [];
    const topicAcl = req.topic_acl ?? this.deps.config.credentials.topicAcl;
    const minted = await this.mint(
      ids.map((user) => ({ user, channels, ttlMs: this.deps.config.credentials.expiration, delegator: '', remoteAddr, extra: { topicAcl } })),
    );
    return Object.fromEntries(minted.map(({ token, entry }) => [entry.issuedTo, token]));
  }

  /** Revokes a token id and/or every token of a user issued until now, and tells every node. */
  async revoke(by: Revoker, req: RevokeRequest): Promise<void> {
    if (by.kind === 'caller') await this.checkOwnership(by.principal, req);
    const now = this.deps.clock.now();
    if (req.token_id !== undefined) await this.revokeTokens([req.token_id], req.reason);
    if (req.user_id !== undefined) {
      const user: RevokedUser = { user: req.user_id, revokedAt: now };
      await this.deps.revocations.revokeUser(user);
      this.deps.metrics.revoke('user');
      await this.tell({ kind: 'user', user });
      this.deps.log.info({ user: user.user, reason: req.reason }, 'user tokens revoked');
    }
  }

  /** A caller may revoke its own tokens: all of them, or one it was issued or delegated (known to the audit trail). */
  private async checkOwnership(caller: Principal, req: RevokeRequest): Promise<void> {
    if (req.user_id !== undefined && req.user_id !== caller.id) {
      throw new BrokerError(BrokerErrorCode.forbidden, 'only your own tokens can be revoked (the server API key may revoke any)');
    }
    if (req.token_id === undefined) return;
    const [entry] = await this.deps.audit.query({ tokenId: req.token_id, limit: 1 });
    if (!entry || (entry.issuedTo !== caller.id && entry.delegator !== caller.id)) {
      throw new BrokerError(BrokerErrorCode.forbidden, 'no token of yours has this id (the server API key may revoke any)');
    }
  }

  async revokeTokens(tokenIds: readonly string[], reason: string): Promise<void> {
    const revokedAt = this.deps.clock.now();
    const tokens: RevokedToken[] = tokenIds.map((tokenId) => ({ tokenId, reason, revokedAt }));
    await this.deps.revocations.revokeTokens(tokens);
    this.deps.metrics.revoke('token', tokens.length);
    await this.tell({ kind: 'tokens', tokens });
    this.deps.log.info({ token_ids: tokenIds, reason }, 'tokens revoked');
  }

  async unrevokeTokens(tokenIds: readonly string[]): Promise<void> {
    await this.deps.revocations.unrevokeTokens(tokenIds);
    this.deps.metrics.revoke('unrevoke', tokenIds.length);
    await this.tell({ kind: 'unrevoke', tokenIds: [...tokenIds] });
    this.deps.log.info({ token_ids: tokenIds }, 'token revocations lifted');
  }

  /** The revocation is stored by now; failing to tell the nodes leaves live sessions, so it is reported. */
  private async tell(notice: RevocationNotice): Promise<void> {
    try {
      await this.deps.broadcast.revoke(notice);
    } catch (err) {
      throw new BrokerError(BrokerErrorCode.unavailable, 'revocation stored, but live sessions could not be reached; retry', {}, { cause: err });
    }
  }

  listRevocations(): ReturnType<RevocationStore['list']> {
    return this.deps.revocations.list();
  }

  auditTrail(user: string | undefined, tokenId: string | undefined, limit: number): Promise<AuditEntry[]> {
    return this.deps.audit.query({ user, tokenId, limit });
  }
}

import { z } from 'zod';
import { claimAt, type Principal } from './authenticator.js';
import { BrokerError, BrokerErrorCode } from './errors.js';
import { postJson } from './http-hook.js';
import { compilePattern } from './patterns.js';

export interface DeniedChannel {
  channel: string;
  reason: string;
}

/** Which of the requested channels the user gets; every requested channel is in exactly one list. */
export interface AuthDecision {
  granted: string[];
  denied: DeniedChannel[];
}

/**
 * Decides which channels a user may have. `user` is whom the token is for (the caller, or the
 * user a service acts for); `claims` are that user's token claims, {} for delegated issuance.
 * Rejects only when it cannot decide (a hook down): a denial is a decision.
 */
export interface Authorizer {
  authorize(user: Principal, channels: readonly string[]): Promise<AuthDecision>;
}

/** Grants everything asked for: development and single-tenant setups only. */
export const allowAll: Authorizer = {
  authorize: async (_user, channels) => ({ granted: [...channels], denied: [] }),
};

export interface RoleAuthorizerOptions {
  /** Dotted path of the roles claim. */
  rolesClaim: string;
  /** User id → roles, added to those of the claim. */
  userRoles: Readonly<Record<string, readonly string[]>>;
  /** Role → channel patterns. */
  roles: Readonly<Record<string, readonly string[]>>;
}

/** Grants a channel when one of the user's roles (from a claim or a static map) has a pattern matching it. */
export class RoleAuthorizer implements Authorizer {
  private readonly patterns: Map<string, Array<(channel: string, user: string) => boolean>>;

  constructor(private readonly opts: RoleAuthorizerOptions) {
    this.patterns = new Map(Object.entries(opts.roles).map(([role, list]) => [role, list.map(compilePattern)]));
  }

  /** The user's roles: the claim (an array, or a space-separated string) plus the static map. */
  rolesOf(user: Principal): string[] {
    const claimed = claimAt(user.claims, this.opts.rolesClaim);
    const fromClaim = Array.isArray(claimed) ? claimed.filter((r): r is string => typeof r === 'string') : typeof claimed === 'string' ? claimed.split(' ') : [];
    return [...new Set([...fromClaim, ...(this.opts.userRoles[user.id] ?? [])])];
  }

  async authorize(user: Principal, channels: readonly string[]): Promise<AuthDecision> {
    const matchers = this.rolesOf(user).flatMap((r) => this.patterns.get(r) ?? []);
    const decision: AuthDecision = { granted: [], denied: [] };
    for (const channel of channels) {
      if (matchers.some((m) => m(channel, user.id))) decision.granted.push(channel);
      else decision.denied.push({ channel, reason: matchers.length === 0 ? 'user has no role that grants channels' : 'no role of the user grants this channel' });
    }
    return decision;
  }
}

const hookAnswer = z.object({
  granted: z.array(z.string()).default(() => []),
  denied: z.array(z.object({ channel: z.string(), reason: z.string().default('denied') })).default(() => []),
});

/**
 * The deployment's own policy service: POST `{user, claims, channels}`, answer
 * `{granted, denied:[{channel, reason}]}`. Only requested channels can be granted; a
 * requested channel the hook does not mention is denied.
 */
export class HookAuthorizer implements Authorizer {
  constructor(
    private readonly url: string,
    private readonly timeout: number,
  ) {}

  async authorize(user: Principal, channels: readonly string[]): Promise<AuthDecision> {
    const { status, answer } = await postJson(this.url, { user: user.id, claims: user.claims, channels }, this.timeout);
    if (status !== 200) throw new BrokerError(BrokerErrorCode.unavailable, `authorization hook answered HTTP ${status}`);
    const parsed = hookAnswer.safeParse(answer);
    if (!parsed.success) throw new BrokerError(BrokerErrorCode.unavailable, 'authorization hook answer is not {granted, denied}');
    const granted = new Set(parsed.data.granted);
    const reasons = new Map(parsed.data.denied.map((d) => [d.channel, d.reason]));
    const decision: AuthDecision = { granted: [], denied: [] };
    for (const channel of channels) {
      if (granted.has(channel) && !reasons.has(channel)) decision.granted.push(channel);
      else decision.denied.push({ channel, reason: reasons.get(channel) ?? 'not granted by the authorization hook' });
    }
    return decision;
  }
}

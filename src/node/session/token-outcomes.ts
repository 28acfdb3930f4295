import { TokenError, type ConnectionClaims, type SubscriptionClaims } from '../../auth/index.js';
import { ClientError, DisconnectCode, DisconnectError, ErrorCode } from '../../protocol/index.js';
import type { Client } from './client.js';

/**
 * Maps token failures to protocol outcomes per situation (protocol reference §7.3):
 * an expired token lets the SDK fetch a new one; an invalid one is never retried.
 */
type Situation = 'connect' | 'refresh' | 'subscribe' | 'subRefresh';

// Keys that can't be had right now (JWKS down, nothing cached) are our fault: a temporary
// internal error makes every SDK retry with backoff instead of giving up.
const unavailable = (): Error => new ClientError(ErrorCode.internal);

const outcomes: Record<Situation, Record<TokenError['kind'], () => Error>> = {
  connect: { expired: () => new ClientError(ErrorCode.tokenExpired), invalid: () => new DisconnectError(DisconnectCode.invalidToken), unavailable },
  refresh: { expired: () => new DisconnectError(DisconnectCode.expired), invalid: () => new DisconnectError(DisconnectCode.invalidToken), unavailable },
  subscribe: { expired: () => new ClientError(ErrorCode.tokenExpired), invalid: () => new ClientError(ErrorCode.permissionDenied), unavailable },
  subRefresh: { expired: () => new ClientError(ErrorCode.expired), invalid: () => new DisconnectError(DisconnectCode.invalidToken), unavailable },
};

function mapped(client: Client, situation: Situation, err: unknown): Error {
  if (!(err instanceof TokenError)) return err instanceof Error ? err : new Error(String(err));
  client.log.info({ reason: err.message, kind: err.kind, situation }, 'token refused');
  return outcomes[situation][err.kind]();
}

export async function verifyConnectionToken(client: Client, token: string, situation: 'connect' | 'refresh'): Promise<ConnectionClaims> {
  try {
    return await client.node.deps.connectionTokens.verifyConnection(token);
  } catch (err) {
    throw mapped(client, situation, err);
  }
}

/** The connect token's claims when the verifier judges it without a promise (see `verifyConnectionNow`); else undefined. */
export function verifyConnectionTokenNow(client: Client, token: string): ConnectionClaims | undefined {
  try {
    return client.node.deps.connectionTokens.verifyConnectionNow(token);
  } catch (err) {
    throw mapped(client, 'connect', err);
  }
}

export async function verifySubscriptionToken(client: Client, token: string, situation: 'subscribe' | 'subRefresh'): Promise<SubscriptionClaims> {
  const { subscriptionTokens, connectionTokens } = client.node.deps;
  const verifier = client.node.config.client.subscriptionToken.enabled ? subscriptionTokens : connectionTokens;
  let claims: SubscriptionClaims;
  try {
    claims = await verifier.verifySubscription(token);
  } catch (err) {
    throw mapped(client, situation, err);
  }
  return claims;
}

/** A subscription token must name this channel, this user and (when set) this client. */
export function checkSubscriptionClaims(client: Client, claims: SubscriptionClaims, channel: string): void {
  if (claims.channel !== channel || claims.user !== client.user || (claims.client && claims.client !== client.id)) {
    client.log.info({ channel, tokenChannel: claims.channel }, 'subscription token does not match');
    throw new DisconnectError(DisconnectCode.invalidToken);
  }
}

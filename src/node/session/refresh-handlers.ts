import { ClientError, DisconnectCode, DisconnectError, ErrorCode, SubRefreshKind, type RefreshRequest, type SubRefreshRequest } from '../../protocol/index.js';
import type { Client } from './client.js';
import type { HandlerOutcome } from './dispatch.js';
import { refuseRevoked, TOKEN_REVOKED_REASON } from '../cluster/revocation.js';
import { scheduleSubscriptionExpiry } from './subscribe-handler.js';
import { handleKeyedRefresh } from './track-handlers.js';
import { ChannelSubscription } from '../channels/subscription.js';
import { SharedPollSubscription } from '../channels/shared-poll-subscription.js';
import { expiry } from '../channels/subscribe-core.js';
import { checkSubscriptionClaims, verifySubscriptionToken, verifyConnectionToken } from './token-outcomes.js';

/** Extends the connection with a fresh token (the SDK calls getToken when `ttl` runs out). */
export async function handleRefresh(client: Client, req: RefreshRequest): Promise<HandlerOutcome> {
  // With a refresh proxy the server refreshes sessions; a client's refresh is out of protocol.
  if (!req.token || client.node.deps.proxies.refresh) throw new DisconnectError(DisconnectCode.badRequest);
  const claims = await verifyConnectionToken(client, req.token, 'refresh');
  if (claims.user !== client.user) {
    client.log.info({ tokenUser: claims.user }, 'refresh token for another user');
    throw new DisconnectError(DisconnectCode.invalidToken);
  }
  const now = client.node.clock.now();
  if (claims.expireAt && claims.expireAt * 1000 <= now) throw new DisconnectError(DisconnectCode.expired);
  await refuseRevoked(client, [claims], () => new DisconnectError(DisconnectCode.invalidToken, TOKEN_REVOKED_REASON));
  const previousTokenId = client.tokenId;
  client.credentials = {
    ...client.credentials,
    expireAt: claims.expireAt,
    info: claims.info ?? client.credentials.info,
    tokenId: claims.tokenId,
    issuedAt: claims.issuedAt,
  };
  client.node.hub.retoken(client, previousTokenId);
  client.scheduleExpiry();
  return { reply: { refresh: { client: client.id, version: client.node.deps.version, ...expiry(claims.expireAt, now) } } };
}

/** Extends one subscription with a fresh subscription token. */
export async function handleSubRefresh(client: Client, req: SubRefreshRequest): Promise<HandlerOutcome> {
  const channel = req.channel;
  if (!channel) throw new DisconnectError(DisconnectCode.badRequest);
  if (req.type === SubRefreshKind.track || req.type === SubRefreshKind.untrack) return handleKeyedRefresh(client, { ...req, channel });
  if (!req.token) throw new ClientError(ErrorCode.badRequest);
  const sub = client.subscriptions.get(channel);
  if (!(sub instanceof ChannelSubscription) && !(sub instanceof SharedPollSubscription)) throw new ClientError(ErrorCode.permissionDenied);
  const claims = await verifySubscriptionToken(client, req.token, 'subRefresh');
  checkSubscriptionClaims(client, claims, channel);
  const now = client.node.clock.now();
  if (claims.expireAt && claims.expireAt * 1000 <= now) throw new ClientError(ErrorCode.expired);
  await refuseRevoked(client, [claims], () => new ClientError(ErrorCode.permissionDenied));
  // The check above may have waited: the subscription may have ended or been replaced meanwhile.
  if (client.subscriptions.get(channel) !== sub) throw new ClientError(ErrorCode.permissionDenied);
  if (sub instanceof SharedPollSubscription) {
    sub.expireAt(claims.expireAt);
  } else {
    sub.opts = { ...sub.opts, expireAt: claims.expireAt };
    scheduleSubscriptionExpiry(client, channel);
  }
  return { reply: { subRefresh: expiry(claims.expireAt, now) } };
}

import { serverRefresh, serverSubscribe, serverUnsubscribe } from '../../node/index.js';
import { DisconnectCode } from '../../protocol/index.js';
import type { ApiContext } from '../context.js';
import { resolveChannel } from '../context.js';
import { payloadOf } from '../payload.js';
import type { DisconnectRequest, RefreshRequest, SubscribeRequest, UnsubscribeRequest } from '../schemas.js';
import { targetClients } from './targets.js';

type Empty = Record<string, never>;

export async function subscribe(ctx: ApiContext, req: SubscribeRequest): Promise<Empty> {
  const ch = resolveChannel(ctx, req.channel);
  const o = req.override;
  const override = o && {
    presence: o.presence?.value,
    joinLeave: o.join_leave?.value,
    forceRecovery: o.force_recovery?.value,
    forcePositioning: o.force_positioning?.value,
    forcePushJoinLeave: o.force_push_join_leave?.value,
  };
  const opts = {
    info: payloadOf(req.info, req.b64info, 'info'),
    data: payloadOf(req.data, req.b64data, 'data'),
    expireAt: req.expire_at ?? 0,
    recoverSince: req.recover_since,
    override,
  };
  await Promise.all(targetClients(ctx, req).map((c) => serverSubscribe(c, ch, opts)));
  return {};
}

export async function unsubscribe(ctx: ApiContext, req: UnsubscribeRequest): Promise<Empty> {
  await Promise.all(targetClients(ctx, req).map((c) => serverUnsubscribe(c, req.channel)));
  return {};
}

export async function disconnect(ctx: ApiContext, req: DisconnectRequest): Promise<Empty> {
  const code = req.disconnect?.code ?? DisconnectCode.forceNoReconnect;
  const reason = req.disconnect?.reason || (req.disconnect ? 'disconnect' : 'force disconnect');
  const spared = new Set(req.whitelist);
  for (const c of targetClients(ctx, req)) if (!spared.has(c.id)) c.disconnect(code, reason);
  return {};
}

export async function refresh(ctx: ApiContext, req: RefreshRequest): Promise<Empty> {
  const info = payloadOf(req.info, req.b64info, 'info');
  for (const c of targetClients(ctx, req)) serverRefresh(c, { expired: req.expired, expireAt: req.expire_at, info });
  return {};
}

import type { FleetOp } from '../../node/index.js';
import { DisconnectCode } from '../../protocol/index.js';
import type { ApiContext } from '../context.js';
import { resolveChannel } from '../context.js';
import { payloadOf } from '../payload.js';
import type { DisconnectRequest, RefreshRequest, SubscribeRequest, UnsubscribeRequest } from '../schemas.js';

type Empty = Record<string, never>;

const b64 = (bytes: Uint8Array | undefined): string | undefined => (bytes ? Buffer.from(bytes).toString('base64') : undefined);

const targetOf = (r: { user: string; client: string; session: string }) => ({ user: r.user, client: r.client, session: r.session });

/** Sends an operation to every node (this one included), each applying it to its own sessions. */
async function fanOut(ctx: ApiContext, op: FleetOp): Promise<Empty> {
  await ctx.node.control.send(op);
  return {};
}

export async function subscribe(ctx: ApiContext, req: SubscribeRequest): Promise<Empty> {
  resolveChannel(ctx, req.channel);
  const o = req.override;
  return fanOut(ctx, {
    kind: 'subscribe',
    target: targetOf(req),
    channel: req.channel,
    info: b64(payloadOf(req.info, req.b64info, 'info')),
    data: b64(payloadOf(req.data, req.b64data, 'data')),
    expireAt: req.expire_at ?? 0,
    recoverSince: req.recover_since,
    override: o && {
      presence: o.presence?.value,
      joinLeave: o.join_leave?.value,
      forceRecovery: o.force_recovery?.value,
      forcePositioning: o.force_positioning?.value,
      forcePushJoinLeave: o.force_push_join_leave?.value,
    },
  });
}

export async function unsubscribe(ctx: ApiContext, req: UnsubscribeRequest): Promise<Empty> {
  resolveChannel(ctx, req.channel);
  return fanOut(ctx, { kind: 'unsubscribe', target: targetOf(req), channel: req.channel });
}

export async function disconnect(ctx: ApiContext, req: DisconnectRequest): Promise<Empty> {
  return fanOut(ctx, {
    kind: 'disconnect',
    target: targetOf(req),
    code: req.disconnect?.code ?? DisconnectCode.forceNoReconnect,
    reason: req.disconnect?.reason || (req.disconnect ? 'disconnect' : 'force disconnect'),
    whitelist: req.whitelist,
  });
}

export async function refresh(ctx: ApiContext, req: RefreshRequest): Promise<Empty> {
  return fanOut(ctx, { kind: 'refresh', target: targetOf(req), expired: req.expired, expireAt: req.expire_at, info: b64(payloadOf(req.info, req.b64info, 'info')) });
}

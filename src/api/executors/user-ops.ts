import { serverSideRefusal, type FleetOp, type Target } from '../../node/index.js';
import { DisconnectCode } from '../../protocol/index.js';
import type { ApiContext } from '../context.js';
import { resolveChannel } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { checkedFilter } from '../label-filter.js';
import { payloadOf } from '../payload.js';
import type { DisconnectRequest, RefreshRequest, SubscribeRequest, UnsubscribeRequest } from '../schemas.js';

/** How many sessions an operation touched over the cluster, and the nodes that did not answer in time. */
interface OpResult {
  affected: number;
  nodes_missing?: string[];
}

const b64 = (bytes: Uint8Array | undefined): string | undefined => (bytes ? Buffer.from(bytes).toString('base64') : undefined);

interface TargetFields {
  user: string;
  client: string;
  session: string;
  all_users: boolean;
  label_filter?: Record<string, unknown>;
}

const targetOf = (r: TargetFields): Target => ({
  user: r.user,
  client: r.client,
  session: r.session,
  allUsers: r.all_users,
  labelFilter: checkedFilter('label_filter', r.label_filter),
});

/**
 * Runs an operation on every node (this one included), each applying it to its own
 * sessions, and sums what they touched. Acting on every connection with nothing to
 * narrow it is legitimate (an evacuation) but destructive, so it is logged loudly.
 */
async function fanOut(ctx: ApiContext, op: FleetOp): Promise<OpResult> {
  const t = op.target;
  if (t.user === '' && t.allUsers && !t.labelFilter && !t.client && !t.session) {
    ctx.log.warn({ caller: ctx.caller, op: op.kind }, 'fleet-wide operation on every connection, without a label filter');
  }
  const { affected, missing } = await ctx.node.control.runOp(op);
  return missing.length > 0 ? { affected, nodes_missing: missing } : { affected };
}

export async function subscribe(ctx: ApiContext, req: SubscribeRequest): Promise<OpResult> {
  // Said at once: every node would refuse it, and the operation would only count them missing.
  const refusal = serverSideRefusal(resolveChannel(ctx, req.channel)) ?? ctx.node.deps.broker.subscribeRefusal?.(req.channel);
  if (refusal) throw new ApiError(ApiErrorCode.badRequest, `bad request: ${refusal}`);
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

export async function unsubscribe(ctx: ApiContext, req: UnsubscribeRequest): Promise<OpResult> {
  resolveChannel(ctx, req.channel);
  return fanOut(ctx, { kind: 'unsubscribe', target: targetOf(req), channel: req.channel });
}

export async function disconnect(ctx: ApiContext, req: DisconnectRequest): Promise<OpResult> {
  return fanOut(ctx, {
    kind: 'disconnect',
    target: targetOf(req),
    code: req.disconnect?.code ?? DisconnectCode.forceNoReconnect,
    reason: req.disconnect?.reason || (req.disconnect ? 'disconnect' : 'force disconnect'),
    whitelist: req.whitelist,
  });
}

export async function refresh(ctx: ApiContext, req: RefreshRequest): Promise<OpResult> {
  return fanOut(ctx, { kind: 'refresh', target: targetOf(req), expired: req.expired, expireAt: req.expire_at, info: b64(payloadOf(req.info, req.b64info, 'info')) });
}

import { isWildcardSubscription } from '../../node/index.js';
import type { ClientInfo } from '../../protocol/index.js';
import type { ApiContext } from '../context.js';
import { raw, resolveChannel, type RawPayload } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import type { ChannelRequest, ChannelsRequest, HistoryRequest } from '../schemas.js';
import { globToRegExp } from './glob.js';

interface ApiClientInfo {
  user: string;
  client: string;
  conn_info?: RawPayload;
  chan_info?: RawPayload;
}

function clientInfo(i: ClientInfo): ApiClientInfo {
  return { user: i.user, client: i.client, conn_info: raw(i.connInfo), chan_info: raw(i.chanInfo) };
}

function presenceChannel(ctx: ApiContext, channel: string) {
  const ch = resolveChannel(ctx, channel);
  if (!ch.options.presence) throw new ApiError(ApiErrorCode.notAvailable);
  if (isWildcardSubscription(ctx.node.config.broker, ch.channel)) throw new ApiError(ApiErrorCode.badRequest, 'a NATS wildcard channel has no presence');
  return ch;
}

export async function presence(ctx: ApiContext, req: ChannelRequest): Promise<{ presence: Record<string, ApiClientInfo> }> {
  const ch = presenceChannel(ctx, req.channel);
  const entries = await ctx.node.presence.presence(ch.channel);
  return { presence: Object.fromEntries(Object.entries(entries).map(([id, info]) => [id, clientInfo(info)])) };
}

export async function presenceStats(ctx: ApiContext, req: ChannelRequest): Promise<{ num_clients: number; num_users: number }> {
  const ch = presenceChannel(ctx, req.channel);
  const s = await ctx.node.presence.presenceStats(ch.channel);
  return { num_clients: s.numClients, num_users: s.numUsers };
}

export async function history(ctx: ApiContext, req: HistoryRequest) {
  const ch = resolveChannel(ctx, req.channel);
  if (!ch.history) throw new ApiError(ApiErrorCode.notAvailable);
  if (req.reverse && req.since && req.since.offset === 0) throw new ApiError(ApiErrorCode.badRequest, 'bad request: reverse needs since.offset > 0');
  const page = await ctx.node.broker.history(ch.channel, { since: req.since, limit: req.limit, reverse: req.reverse, historyMetaTtl: ch.historyMetaTtl });
  if (req.since?.epoch && req.since.epoch !== page.position.epoch) throw new ApiError(ApiErrorCode.unrecoverablePosition);
  return {
    publications: page.publications.map((p) => ({
      data: raw(p.data),
      info: p.info && clientInfo(p.info),
      offset: p.offset || undefined,
      tags: p.tags && Object.keys(p.tags).length > 0 ? p.tags : undefined,
    })),
    epoch: page.position.epoch,
    offset: page.position.offset,
  };
}

export async function historyRemove(ctx: ApiContext, req: ChannelRequest): Promise<Record<string, never>> {
  const ch = resolveChannel(ctx, req.channel);
  if (!ch.history) throw new ApiError(ApiErrorCode.notAvailable);
  await ctx.node.broker.removeHistory(ch.channel);
  return {};
}

/** Channels with subscribers on this node, optionally filtered by a glob pattern. */
export async function channels(ctx: ApiContext, req: ChannelsRequest): Promise<{ channels: Record<string, { num_clients: number }> }> {
  const match = req.pattern ? globToRegExp(req.pattern) : undefined;
  const out: Record<string, { num_clients: number }> = {};
  for (const name of ctx.node.hub.channelNames()) {
    if (match && !match.test(name)) continue;
    out[name] = { num_clients: ctx.node.hub.numSubscribers(name) };
  }
  return { channels: out };
}

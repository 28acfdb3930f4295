import { isMapChannel, mapOptionsOf, type ChannelInfo, type MapChannelOptions, type MapPublication, type MapWriteResult } from '../../node/index.js';
import type { ApiContext } from '../context.js';
import { raw, resolveChannel, type RawPayload } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { payloadOf } from '../payload.js';
import type { MapChannelRequest, MapPublishRequest, MapReadStateRequest, MapReadStreamRequest, MapRemoveRequest } from '../schemas.js';

/*
 * The map methods of the server API (Centrifugo v6.8+): writes and removals by key, state
 * and stream reads, stats and clear. Each needs a channel of a map namespace (else 107).
 */

interface MapWriteReply {
  offset?: number;
  epoch?: string;
  suppressed?: boolean;
  suppress_reason?: string;
}

interface MapEntry {
  key: string;
  data?: RawPayload;
  tags?: Record<string, string>;
  offset?: number;
  removed?: boolean;
  time?: number;
}

function mapChannel(ctx: ApiContext, channel: string): { ch: ChannelInfo; opts: MapChannelOptions } {
  const ch = resolveChannel(ctx, channel);
  if (!isMapChannel(ch)) throw new ApiError(ApiErrorCode.badRequest, 'bad request: not a map channel (subscription_type must be map, map_clients or map_users)');
  return { ch, opts: mapOptionsOf(ch) };
}

function writeReply(r: MapWriteResult): MapWriteReply {
  return {
    offset: r.position.offset || undefined,
    epoch: r.position.epoch || undefined,
    suppressed: r.suppressed || undefined,
    suppress_reason: r.suppressReason,
  };
}

function entry(p: MapPublication): MapEntry {
  return { key: p.key, data: raw(p.data), tags: p.tags, offset: p.offset || undefined, removed: p.removed || undefined, time: p.time || undefined };
}

export async function mapPublish(ctx: ApiContext, req: MapPublishRequest): Promise<MapWriteReply> {
  const { ch, opts } = mapChannel(ctx, req.channel);
  const data = payloadOf(req.data, req.b64data, 'data');
  if (!data || data.length === 0) throw new ApiError(ApiErrorCode.badRequest, 'bad request: data required');
  // Versions are kept with the stream: an ephemeral map has nothing to compare against.
  if ((req.version ?? 0) > 0 && !opts.hasStream) throw new ApiError(ApiErrorCode.badRequest, 'bad request: version needs a recoverable or persistent map');
  const result = await ctx.node.mapBroker.publish(
    ch.channel,
    req.key,
    {
      data,
      tags: req.tags,
      delta: req.delta || ch.options.deltaPublish,
      idempotencyKey: req.idempotency_key || undefined,
      version: req.version || undefined,
      versionEpoch: req.version_epoch,
      keyMode: req.key_mode,
    },
    opts,
  );
  return writeReply(result);
}

export async function mapRemove(ctx: ApiContext, req: MapRemoveRequest): Promise<MapWriteReply> {
  const { ch, opts } = mapChannel(ctx, req.channel);
  return writeReply(await ctx.node.mapBroker.remove(ch.channel, req.key, { idempotencyKey: req.idempotency_key || undefined }, opts));
}

export async function mapReadState(
  ctx: ApiContext,
  req: MapReadStateRequest,
): Promise<{ entries: MapEntry[]; offset?: number; epoch?: string; cursor?: string }> {
  const { ch, opts } = mapChannel(ctx, req.channel);
  const page = await ctx.node.mapBroker.readState(ch.channel, { cursor: req.cursor, limit: req.limit, key: req.key || undefined }, opts);
  if (req.revision_epoch && req.revision_epoch !== page.position.epoch) throw new ApiError(ApiErrorCode.unrecoverablePosition);
  return {
    entries: page.entries.map(entry),
    offset: page.position.offset || undefined,
    epoch: page.position.epoch || undefined,
    cursor: page.cursor || undefined,
  };
}

export async function mapReadStream(ctx: ApiContext, req: MapReadStreamRequest): Promise<{ entries: MapEntry[]; offset?: number; epoch?: string }> {
  const { ch, opts } = mapChannel(ctx, req.channel);
  const since = req.since_offset > 0 || req.since_epoch ? { offset: req.since_offset, epoch: req.since_epoch } : undefined;
  const page = await ctx.node.mapBroker.readStream(ch.channel, { since, limit: req.limit, reverse: req.reverse }, opts);
  const top = page.position;
  if (since && !req.reverse) {
    const epochMoved = since.epoch !== '' && since.epoch !== top.epoch;
    // The stream no longer holds what follows the position: it was trimmed or expired.
    const trimmed = req.limit !== 0 && since.offset < top.offset && page.entries[0]?.offset !== since.offset + 1;
    if (epochMoved || trimmed) throw new ApiError(ApiErrorCode.unrecoverablePosition);
  }
  return { entries: page.entries.map(entry), offset: top.offset || undefined, epoch: top.epoch || undefined };
}

export async function mapStats(ctx: ApiContext, req: MapChannelRequest): Promise<{ num_keys: number }> {
  const { ch, opts } = mapChannel(ctx, req.channel);
  return { num_keys: (await ctx.node.mapBroker.stats(ch.channel, opts)).numKeys };
}

export async function mapClear(ctx: ApiContext, req: MapChannelRequest): Promise<Record<string, never>> {
  const { ch, opts } = mapChannel(ctx, req.channel);
  await ctx.node.mapBroker.clear(ch.channel, opts);
  return {};
}

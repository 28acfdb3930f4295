import type { ApiContext } from '../context.js';
import { resolveChannel } from '../context.js';
import { ApiError, ApiErrorCode, asApiError } from '../errors.js';
import { payloadOf } from '../payload.js';
import { isMapChannel, publicationDataProblem } from '../../node/index.js';
import type { BroadcastRequest, PublishRequest } from '../schemas.js';

export interface PublishResult {
  offset?: number;
  epoch?: string;
}

type PublishFields = Omit<PublishRequest, 'channel'>;

async function publishOne(ctx: ApiContext, channel: string, req: PublishFields, data: Uint8Array): Promise<PublishResult> {
  const ch = resolveChannel(ctx, channel);
  if (isMapChannel(ch)) throw new ApiError(ApiErrorCode.badRequest, 'bad request: a map channel changes by key: use map_publish');
  // `data` is a JSON value; `b64data` any bytes.
  const problem = publicationDataProblem(data, ch.options.publicationDataFormat, req.data !== undefined);
  if (problem) throw new ApiError(ApiErrorCode.badRequest, `bad request: ${problem}`);
  const pos = await ctx.node.publish(ch, data, {
    tags: req.tags,
    skipHistory: req.skip_history,
    idempotencyKey: req.idempotency_key,
    delta: req.delta,
  });
  return pos.offset > 0 ? { offset: pos.offset, epoch: pos.epoch } : {};
}

/** The payload; whether it may be empty depends on each channel's format. */
function dataOf(req: PublishFields): Uint8Array {
  return payloadOf(req.data, req.b64data, 'data') ?? NO_DATA;
}

const NO_DATA = new Uint8Array(0);

export async function publish(ctx: ApiContext, req: PublishRequest): Promise<PublishResult> {
  return publishOne(ctx, req.channel, req, dataOf(req));
}

/** Publishes the same data into many channels; each channel gets its own result or error. */
export async function broadcast(
  ctx: ApiContext,
  req: BroadcastRequest,
): Promise<{ responses: Array<{ result?: PublishResult; error?: ApiError }> }> {
  const data = dataOf(req);
  const responses = await Promise.all(
    req.channels.map(async (channel) => {
      try {
        return { result: await publishOne(ctx, channel, req, data) };
      } catch (err) {
        return { error: asApiError(ctx, err) };
      }
    }),
  );
  return { responses };
}

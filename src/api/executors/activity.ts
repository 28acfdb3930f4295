import { BadCursorError, type ActivityRecorder, type ActivityStore, type ChannelTotals, type SessionRecord } from '../../moderation/index.js';
import type { ApiContext } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import type { ActivityChannelsRequest, ActivitySessionsRequest } from '../schemas.js';

const seconds = (ms: number): number => Math.floor(ms / 1000);

function storeOf(ctx: ApiContext): { recorder: ActivityRecorder; store: ActivityStore } {
  const recorder = ctx.node.deps.activity;
  const store = ctx.node.deps.activityStore;
  if (!recorder || !store) throw new ApiError(ApiErrorCode.notAvailable, 'activity recording is off (parsec.activity.enabled)');
  return { recorder, store };
}

async function query<T>(ctx: ApiContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof BadCursorError) throw new ApiError(ApiErrorCode.badRequest, `bad request: ${err.message}`);
    ctx.log.error({ err }, 'activity store failed');
    throw new ApiError(ApiErrorCode.internal, 'activity store unavailable: retry later');
  }
}

/** A session as `activity_sessions` lists it; times in Unix seconds (0 = still open). */
const sessionEntry = (s: SessionRecord) => ({
  client: s.client,
  user: s.user,
  transport: s.transport,
  protocol: s.protocol,
  remote_addr: s.remoteAddr,
  labels: s.labels,
  app_name: s.appName,
  app_version: s.appVersion,
  node: s.node,
  node_uid: s.nodeUid,
  connected_at: seconds(s.connectedAt),
  disconnected_at: seconds(s.disconnectedAt),
  disconnect_code: s.disconnectCode,
  disconnect_reason: s.disconnectReason,
});

const channelEntry = (c: ChannelTotals) => ({
  channel: c.channel,
  publications: c.publications,
  deliveries: c.deliveries,
  bytes: c.bytes,
  minutes: c.minutes.map((m) => ({ minute: seconds(m.minute), publications: m.publications, deliveries: m.deliveries, bytes: m.bytes })),
});

/** Parsec's `activity_sessions`: sessions connected in [since, until), newest first, paged; what is still buffered is written first. */
export async function activitySessions(ctx: ApiContext, req: ActivitySessionsRequest) {
  const { recorder, store } = storeOf(ctx);
  await recorder.flush();
  const page = await query(ctx, () =>
    store.sessions({ user: req.user, since: req.since * 1000, until: req.until * 1000, openOnly: req.open_only, limit: req.limit, cursor: req.cursor }),
  );
  return { sessions: page.sessions.map(sessionEntry), next_cursor: page.nextCursor || undefined };
}

/** Parsec's `activity_channels`: the busiest `top` channels (by publications) in [since, until), with their minutes. */
export async function activityChannels(ctx: ApiContext, req: ActivityChannelsRequest) {
  const { recorder, store } = storeOf(ctx);
  await recorder.flush();
  const channels = await query(ctx, () => store.channels({ since: req.since * 1000, until: req.until * 1000, prefix: req.channel_prefix, top: req.top }));
  return { channels: channels.map(channelEntry), dropped: recorder.dropped };
}

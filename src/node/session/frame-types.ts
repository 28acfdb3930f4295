import { FrameType } from '../../metrics/index.js';
import type { CommandMethod, Push, Reply } from '../../protocol/index.js';

/** Each command's frame type, the `method`/`frame_type` label of its metrics. */
export const commandFrameType: { readonly [K in CommandMethod]: number } = {
  connect: FrameType.connect,
  subscribe: FrameType.subscribe,
  unsubscribe: FrameType.unsubscribe,
  publish: FrameType.publish,
  presence: FrameType.presence,
  presenceStats: FrameType.presence_stats,
  history: FrameType.history,
  ping: FrameType.unknown,
  send: FrameType.send,
  rpc: FrameType.rpc,
  refresh: FrameType.refresh,
  subRefresh: FrameType.sub_refresh,
};

/** A push's frame type, by the one field it carries. */
export function pushFrameType(push: Push): number {
  if (push.pub) return FrameType.push_publication;
  if (push.join) return FrameType.push_join;
  if (push.leave) return FrameType.push_leave;
  if (push.unsubscribe) return FrameType.push_unsubscribe;
  if (push.message) return FrameType.push_message;
  if (push.subscribe) return FrameType.push_subscribe;
  if (push.disconnect) return FrameType.push_disconnect;
  if (push.refresh) return FrameType.push_refresh;
  if (push.connect) return FrameType.push_connect;
  return FrameType.unknown;
}

/** A reply's frame type: a push's, a command reply's (`command`, when known), or a ping (empty). */
export function replyFrameType(reply: Reply, command: number = FrameType.unknown): number {
  if (reply.push) return pushFrameType(reply.push);
  return reply.id ? command : FrameType.server_ping;
}

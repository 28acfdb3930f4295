/**
 * The frame types of the client protocol as the centrifuge library names them in the
 * `frame_type` label of `centrifugo_transport_messages_*`. Counters are indexed by position,
 * so counting a frame is an array increment.
 */
export const FRAME_TYPES = [
  'server_ping',
  'client_pong',
  'push_connect',
  'push_subscribe',
  'push_publication',
  'push_join',
  'push_leave',
  'push_unsubscribe',
  'push_message',
  'push_refresh',
  'push_disconnect',
  'connect',
  'subscribe',
  'publish',
  'unsubscribe',
  'rpc',
  'presence',
  'presence_stats',
  'history',
  'refresh',
  'sub_refresh',
  'send',
  'unknown',
] as const;

export type FrameTypeName = (typeof FRAME_TYPES)[number];

/** A frame type's index into the per-transport counters. */
export const FrameType = Object.freeze(Object.fromEntries(FRAME_TYPES.map((name, i) => [name, i]))) as { readonly [K in FrameTypeName]: number };

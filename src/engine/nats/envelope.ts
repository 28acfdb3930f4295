import { decodeProtobufPush, encodeProtobufPush, type ClientInfo, type Push } from '../../protocol/index.js';
import type { EnginePublication } from '../types.js';

/**
 * What travels on a channel subject: Centrifugo's protobuf `Push` with exactly one of
 * `pub`, `join` or `leave`, which is also what Centrifugo's NATS broker sends. The
 * publication payload is a protobuf `bytes` field, copied in and viewed out unchanged.
 */
export type ChannelMessage =
  | { kind: 'publication'; pub: Omit<EnginePublication, 'offset'> }
  | { kind: 'join'; info: ClientInfo }
  | { kind: 'leave'; info: ClientInfo };

export function encodeChannelMessage(channel: string, msg: ChannelMessage): Uint8Array {
  switch (msg.kind) {
    case 'publication': {
      const { data, info, tags, time, delta } = msg.pub;
      return encodeProtobufPush({ channel, pub: { data, info, tags, time, delta } });
    }
    case 'join':
      return encodeProtobufPush({ channel, join: { info: msg.info } });
    case 'leave':
      return encodeProtobufPush({ channel, leave: { info: msg.info } });
    default: {
      const never: never = msg;
      return never;
    }
  }
}

/** A message as it arrived: the channel named inside it (the concrete one under a wildcard subscription) and what it carries. */
export interface ReceivedChannelMessage {
  channel: string;
  msg: ChannelMessage;
}

/** The message in `bytes`, or undefined for a Push of another kind; throws FrameDecodeError on garbage. */
export function decodeChannelMessage(bytes: Uint8Array): ReceivedChannelMessage | undefined {
  const push: Push = decodeProtobufPush(bytes);
  const channel = push.channel ?? '';
  if (push.pub) {
    const { data, info, tags, time, delta } = push.pub;
    // Protobuf leaves empty fields out; the engine contract has them present.
    return { channel, msg: { kind: 'publication', pub: { data: data ?? new Uint8Array(0), info: info && clientInfo(info), tags, time: time ?? 0, delta } } };
  }
  if (push.join) return { channel, msg: { kind: 'join', info: clientInfo(push.join.info) } };
  if (push.leave) return { channel, msg: { kind: 'leave', info: clientInfo(push.leave.info) } };
  return undefined;
}

/** An anonymous user is the empty string, which protobuf leaves out. */
function clientInfo(info: Partial<ClientInfo> | undefined): ClientInfo {
  const out: ClientInfo = { user: info?.user ?? '', client: info?.client ?? '' };
  if (info?.connInfo) out.connInfo = info.connInfo;
  if (info?.chanInfo) out.chanInfo = info.chanInfo;
  return out;
}

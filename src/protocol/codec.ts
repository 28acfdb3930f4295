import { decodeJsonCommands } from './json-decode.js';
import { encodeJsonReply, encodePush } from './json-encode.js';
import { decodeProtobufCommands, encodeProtobufPushDelimited, encodeProtobufReply } from './protobuf-codec.js';
import type { Command, Push, Reply } from './types.js';

export type ProtocolName = 'json' | 'protobuf';

/** Turns frames into commands and replies into encoded messages for one protocol. */
export interface ProtocolCodec {
  readonly name: ProtocolName;
  /**
   * `reply`: every message is a Reply (bidirectional and emulated sessions). `push`: every
   * message is a bare Push, as unidirectional transports deliver them.
   */
  readonly framing: 'reply' | 'push';
  /** Distinct per codec (0–3): where a once-per-protocol encoding cache keeps this codec's bytes. */
  readonly slot: number;
  /** Whether frames are binary (WebSocket opcode) for this protocol. */
  readonly binary: boolean;
  /** Decodes every command in a frame, in order; throws FrameDecodeError. */
  decodeCommands(frame: Uint8Array): Command[];
  /**
   * Encodes one reply as a self-delimiting message. JSON throws PayloadNotJsonError when a
   * payload field is not JSON (protobuf carries any bytes).
   */
  encodeReply(reply: Reply): Uint8Array;
  /** Joins encoded messages into one frame. */
  joinFrame(messages: readonly Uint8Array[]): Uint8Array;
}

const NEWLINE = Buffer.from('\n');

function joinLines(messages: readonly Uint8Array[]): Uint8Array {
  if (messages.length === 1) return messages[0]!;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < messages.length; i++) {
    if (i > 0) parts.push(NEWLINE);
    parts.push(messages[i]!);
  }
  return Buffer.concat(parts);
}

const concat = (messages: readonly Uint8Array[]): Uint8Array => (messages.length === 1 ? messages[0]! : Buffer.concat(messages as Uint8Array[]));

export const jsonCodec: ProtocolCodec = {
  name: 'json',
  framing: 'reply',
  slot: 0,
  binary: false,
  decodeCommands: decodeJsonCommands,
  encodeReply: (reply) => Buffer.from(encodeJsonReply(reply)),
  joinFrame: joinLines,
};

export const protobufCodec: ProtocolCodec = {
  name: 'protobuf',
  framing: 'reply',
  slot: 1,
  binary: true,
  decodeCommands: decodeProtobufCommands,
  encodeReply: encodeProtobufReply,
  joinFrame: concat,
};

/**
 * The Push a unidirectional client receives for a reply: a push as it is, the connect
 * result as a `connect` push, and a ping (an empty reply) as an empty push. Nothing else
 * reaches such a client, which sends no commands to be answered.
 */
function pushOf(reply: Reply): Push {
  if (reply.push) return reply.push;
  if (reply.connect) return { connect: reply.connect };
  return {};
}

/** A unidirectional client sends no commands after connect; what it sends is not read as such. */
function noCommands(): Command[] {
  return [];
}

/** Bare JSON pushes, one per line when joined (uni_websocket, uni_sse, uni_http_stream). */
export const jsonPushCodec: ProtocolCodec = {
  name: 'json',
  framing: 'push',
  slot: 2,
  binary: false,
  decodeCommands: noCommands,
  encodeReply: (reply) => Buffer.from(encodePush(pushOf(reply))),
  joinFrame: joinLines,
};

/** Bare protobuf pushes, varint-delimited so a joined frame splits back into messages (uni_grpc). */
export const protobufPushCodec: ProtocolCodec = {
  name: 'protobuf',
  framing: 'push',
  slot: 3,
  binary: true,
  decodeCommands: noCommands,
  encodeReply: (reply) => encodeProtobufPushDelimited(pushOf(reply)),
  joinFrame: concat,
};

/** The codec of a protocol; `unidirectional` sessions get bare pushes instead of replies. */
export function codecFor(name: ProtocolName, unidirectional = false): ProtocolCodec {
  if (unidirectional) return name === 'json' ? jsonPushCodec : protobufPushCodec;
  return name === 'json' ? jsonCodec : protobufCodec;
}

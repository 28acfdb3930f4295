import { decodeJsonCommands } from './json-decode.js';
import { encodeJsonReply } from './json-encode.js';
import { decodeProtobufCommands, encodeProtobufReply } from './protobuf-codec.js';
import type { Command, Reply } from './types.js';

export type ProtocolName = 'json' | 'protobuf';

/** Turns frames into commands and replies into encoded messages for one protocol. */
export interface ProtocolCodec {
  readonly name: ProtocolName;
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

export const jsonCodec: ProtocolCodec = {
  name: 'json',
  binary: false,
  decodeCommands: decodeJsonCommands,
  encodeReply: (reply) => Buffer.from(encodeJsonReply(reply)),
  joinFrame(messages) {
    if (messages.length === 1) return messages[0]!;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < messages.length; i++) {
      if (i > 0) parts.push(NEWLINE);
      parts.push(messages[i]!);
    }
    return Buffer.concat(parts);
  },
};

export const protobufCodec: ProtocolCodec = {
  name: 'protobuf',
  binary: true,
  decodeCommands: decodeProtobufCommands,
  encodeReply: encodeProtobufReply,
  joinFrame: (messages) => (messages.length === 1 ? messages[0]! : Buffer.concat(messages as Uint8Array[])),
};

export function codecFor(name: ProtocolName): ProtocolCodec {
  return name === 'json' ? jsonCodec : protobufCodec;
}

import protobuf from 'protobufjs';
import { FrameDecodeError } from './decode-error.js';
import { protoPath } from './proto-files.js';
import type { ClientInfo, Command, Publication, Push, Reply } from './types.js';

/**
 * Protobuf framing: every message is prefixed with its varint length (protobuf
 * "delimited" encoding), and one WebSocket binary frame may carry many of them.
 */

const root = protobuf.loadSync(protoPath('client.proto'));
const CommandType = root.lookupType('centrifugal.centrifuge.protocol.Command');
const ReplyType = root.lookupType('centrifugal.centrifuge.protocol.Reply');
const PushType = root.lookupType('centrifugal.centrifuge.protocol.Push');

const toObjectOptions: protobuf.IConversionOptions = { longs: Number, defaults: false, arrays: false, objects: false };

export function decodeProtobufCommands(frame: Uint8Array): Command[] {
  const reader = protobuf.Reader.create(frame);
  const out: Command[] = [];
  try {
    while (reader.pos < reader.len) {
      const msg = CommandType.decodeDelimited(reader);
      // toObject yields the camelCase shape of `Command`; the proto file is its schema.
      const cmd = CommandType.toObject(msg, toObjectOptions) as Command;
      cmd.id ??= 0;
      out.push(cmd);
    }
  } catch (err) {
    throw new FrameDecodeError('invalid protobuf', { cause: err });
  }
  return out;
}

/** Encodes one Reply with its length prefix. */
export function encodeProtobufReply(reply: Reply): Uint8Array {
  return ReplyType.encodeDelimited(reply).finish();
}

const PublicationType = root.lookupType('centrifugal.centrifuge.protocol.Publication');
const ClientInfoType = root.lookupType('centrifugal.centrifuge.protocol.ClientInfo');

/** A publication as compact bytes (its protobuf form), for engines that ship it between nodes. */
export function encodePublication(pub: Publication): Uint8Array {
  return PublicationType.encode(pub).finish();
}

export function decodePublication(bytes: Uint8Array): Publication {
  const p = PublicationType.toObject(PublicationType.decode(bytes), toObjectOptions) as Publication;
  p.data ??= new Uint8Array(0);
  return p;
}

export function encodeClientInfo(info: ClientInfo): Uint8Array {
  return ClientInfoType.encode(info).finish();
}

export function decodeClientInfo(bytes: Uint8Array): ClientInfo {
  const i = ClientInfoType.toObject(ClientInfoType.decode(bytes), toObjectOptions) as ClientInfo;
  i.user ??= '';
  i.client ??= '';
  return i;
}

/**
 * One Push without a length prefix: the message format Centrifugo's brokers exchange
 * between nodes (its NATS broker sends exactly this), so it serves as an engine envelope.
 */
export function encodeProtobufPush(push: Push): Uint8Array {
  return PushType.encode(push).finish();
}

/** One Push with its length prefix: a unidirectional session's message. */
export function encodeProtobufPushDelimited(push: Push): Uint8Array {
  return PushType.encodeDelimited(push).finish();
}

/** Decodes what `encodeProtobufPush` made; `bytes` fields are views into `bytes`, not copies. */
export function decodeProtobufPush(bytes: Uint8Array): Push {
  try {
    // toObject yields the camelCase shape of `Push`; the proto file is its schema.
    return PushType.toObject(PushType.decode(bytes), toObjectOptions) as Push;
  } catch (err) {
    throw new FrameDecodeError('invalid protobuf push', { cause: err });
  }
}

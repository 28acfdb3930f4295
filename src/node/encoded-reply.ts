import type { ProtocolCodec, ProtocolName, Reply } from '../protocol/index.js';

/** A reply encoded at most once per protocol, however many clients receive it. */
export class EncodedReply {
  private json: Uint8Array | undefined;
  private protobuf: Uint8Array | undefined;

  constructor(
    readonly reply: Reply,
    private readonly protobufReply: Reply = reply,
  ) {}

  /** A reply whose content differs by protocol (e.g. JSON carries some bytes as a string). */
  static perProtocol(json: Reply, protobuf: Reply): EncodedReply {
    return new EncodedReply(json, protobuf);
  }

  for(codec: ProtocolCodec): Uint8Array {
    const name: ProtocolName = codec.name;
    if (name === 'json') return (this.json ??= codec.encodeReply(this.reply));
    return (this.protobuf ??= codec.encodeReply(this.protobufReply));
  }
}

import type { ProtocolCodec, ProtocolName, Reply } from '../protocol/index.js';

/** A reply encoded at most once per protocol, however many clients receive it. */
export class EncodedReply {
  private json: Uint8Array | undefined;
  private protobuf: Uint8Array | undefined;

  constructor(readonly reply: Reply) {}

  for(codec: ProtocolCodec): Uint8Array {
    const name: ProtocolName = codec.name;
    if (name === 'json') return (this.json ??= codec.encodeReply(this.reply));
    return (this.protobuf ??= codec.encodeReply(this.reply));
  }
}

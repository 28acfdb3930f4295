import { PayloadNotJsonError, type ProtocolCodec, type ProtocolName, type Reply } from '../../protocol/index.js';

/** A reply encoded at most once per protocol, however many clients receive it. */
export class EncodedReply {
  /** Null once JSON encoding was refused (a payload is not JSON): that too is decided once. */
  private json: Uint8Array | null | undefined;
  private protobuf: Uint8Array | undefined;
  /** Why JSON encoding was refused, until a caller takes it to log. */
  private refusal: PayloadNotJsonError | undefined;

  constructor(
    readonly reply: Reply,
    private readonly protobufReply: Reply = reply,
  ) {}

  /** A reply whose content differs by protocol (e.g. JSON carries some bytes as a string). */
  static perProtocol(json: Reply, protobuf: Reply): EncodedReply {
    return new EncodedReply(json, protobuf);
  }

  /** The encoding for a codec; undefined when the codec is JSON and a payload is not JSON. */
  for(codec: ProtocolCodec): Uint8Array | undefined {
    const name: ProtocolName = codec.name;
    if (name === 'json') {
      if (this.json === undefined) this.encodeJson(codec);
      return this.json ?? undefined;
    }
    return (this.protobuf ??= codec.encodeReply(this.protobufReply));
  }

  /**
   * Why JSON encoding was refused, to the first caller only: every JSON subscriber of a
   * broadcast is disconnected, and the first one logs it for all.
   */
  takeRefusal(): PayloadNotJsonError | undefined {
    const r = this.refusal;
    this.refusal = undefined;
    return r;
  }

  private encodeJson(codec: ProtocolCodec): void {
    try {
      this.json = codec.encodeReply(this.reply);
    } catch (err) {
      if (!(err instanceof PayloadNotJsonError)) throw err;
      this.json = null;
      this.refusal = err;
    }
  }
}

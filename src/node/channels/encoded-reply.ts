import { PayloadNotJsonError, type ProtocolCodec, type Reply } from '../../protocol/index.js';

/** A reply encoded at most once per codec, however many clients receive it. */
export class EncodedReply {
  /**
   * By codec slot (JSON, protobuf, and their bare-push forms for unidirectional sessions).
   * Null once JSON encoding was refused (a payload is not JSON): that too is decided once.
   */
  private readonly encoded: Array<Uint8Array | null | undefined> = [];
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
    let bytes = this.encoded[codec.slot];
    if (bytes === undefined) {
      bytes = this.encode(codec);
      this.encoded[codec.slot] = bytes;
    }
    return bytes ?? undefined;
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

  private encode(codec: ProtocolCodec): Uint8Array | null {
    if (codec.name === 'protobuf') return codec.encodeReply(this.protobufReply);
    try {
      return codec.encodeReply(this.reply);
    } catch (err) {
      if (!(err instanceof PayloadNotJsonError)) throw err;
      this.refusal = err;
      return null;
    }
  }
}

import { createDelta } from 'fossil-delta';
import { matches, type CompiledFilter } from '../filter/index.js';
import type { PayloadNotJsonError, ProtocolCodec, Publication } from '../protocol/index.js';
import { EncodedReply } from './encoded-reply.js';

/** The payload a channel last delivered, the base for the next delta. */
export interface PreviousPayload {
  offset: number;
  data: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A JSON string literal holding the payload text: how delta-negotiated JSON clients receive data. */
export function asJsonString(data: Uint8Array): Uint8Array {
  return Buffer.from(JSON.stringify(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')));
}

/**
 * One publication's encodings for a fan-out, each built at most once per protocol:
 * plain, full-for-delta (JSON clients with delta get `data` as a JSON string) and
 * the fossil delta against the previous payload, when one applies.
 */
export class PublicationFanout {
  readonly plain: EncodedReply;
  private full: EncodedReply | undefined;
  private deltaReply: EncodedReply | null | undefined;
  /** Tags filter outcomes, so subscribers sharing a filter evaluate it once. */
  private verdicts: Map<CompiledFilter, boolean> | undefined;
  private refusalTaken = false;

  constructor(
    readonly channel: string,
    readonly pub: Publication,
    private readonly prev: PreviousPayload | undefined,
    private readonly deltaAllowed: boolean,
  ) {
    this.plain = new EncodedReply({ push: { channel, pub } });
  }

  /** Whether the publication's tags pass a subscriber's tags filter. */
  passes(filter: CompiledFilter): boolean {
    this.verdicts ??= new Map();
    let ok = this.verdicts.get(filter);
    if (ok === undefined) {
      ok = matches(filter, this.pub.tags);
      this.verdicts.set(filter, ok);
    }
    return ok;
  }

  /** The full payload as delta-negotiated clients expect it; undefined when JSON refused it. */
  fullForDelta(codec: ProtocolCodec): Uint8Array | undefined {
    if (codec.name !== 'json') return this.plain.for(codec);
    this.full ??= new EncodedReply({ push: { channel: this.channel, pub: { ...this.pub, data: asJsonString(this.pub.data) } } });
    return this.full.for(codec);
  }

  /** The delta against the previous payload, or undefined when none can be sent. */
  delta(codec: ProtocolCodec): Uint8Array | undefined {
    if (this.deltaReply === undefined) this.deltaReply = this.buildDelta();
    return this.deltaReply?.for(codec);
  }

  /**
   * Why a JSON encoding of this publication was refused (a payload is not JSON), to the
   * first caller only: the publication's refusal is logged once, not per subscriber.
   */
  takeRefusal(): PayloadNotJsonError | undefined {
    if (this.refusalTaken) return undefined;
    const refusal = this.plain.takeRefusal() ?? this.full?.takeRefusal() ?? this.deltaReply?.takeRefusal();
    if (refusal) this.refusalTaken = true;
    return refusal;
  }

  private buildDelta(): EncodedReply | null {
    const { prev, pub } = this;
    if (!this.deltaAllowed || !prev) return null;
    // In a positioned stream the base must be the publication right before this one.
    if ((pub.offset ?? 0) > 0 && prev.offset !== (pub.offset ?? 0) - 1) return null;
    const patch = Uint8Array.from(createDelta(prev.data, pub.data));
    if (patch.length >= pub.data.length) return null;
    let text: string;
    try {
      // JSON clients get the delta as a string; a patch that cuts a UTF-8 sequence can't be one.
      text = utf8.decode(patch);
    } catch {
      return null;
    }
    const json = { push: { channel: this.channel, pub: { ...pub, data: Buffer.from(JSON.stringify(text)), delta: true } } };
    const binary = { push: { channel: this.channel, pub: { ...pub, data: patch, delta: true } } };
    return EncodedReply.perProtocol(json, binary);
  }
}



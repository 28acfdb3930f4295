import { createDelta } from 'fossil-delta';
import { matches, type CompiledFilter } from '../../filter/index.js';
import type { PayloadNotJsonError, ProtocolCodec, Publication, Push } from '../../protocol/index.js';
import { EncodedReply } from './encoded-reply.js';

/**
 * The base for the next delta: the payload a channel last delivered (at `offset`), or a map
 * key's previous value (no offset: a per-key base is not tied to the stream position).
 */
export interface PreviousPayload {
  offset?: number;
  data: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A JSON string literal holding the payload text: how delta-negotiated JSON clients receive data. */
export function asJsonString(data: Uint8Array): Uint8Array {
  return Buffer.from(JSON.stringify(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')));
}

/** How a push names its channel: by name, or by the channel's numeric id (compaction). */
type Address = Pick<Push, 'id' | 'channel'>;

/** A fossil patch of a payload against the previous one, as protobuf and JSON clients receive it. */
interface Patch {
  binary: Uint8Array;
  json: Uint8Array;
}

/** The encodings of one publication for one way of addressing its channel, each built on first use. */
class AddressedEncodings {
  readonly plain: EncodedReply;
  private full: EncodedReply | undefined;
  private deltaReply: EncodedReply | undefined;

  constructor(
    private readonly address: Address,
    private readonly pub: Publication,
  ) {
    this.plain = new EncodedReply({ push: { ...address, pub } });
  }

  fullForDelta(codec: ProtocolCodec): Uint8Array | undefined {
    if (codec.name !== 'json') return this.plain.for(codec);
    this.full ??= new EncodedReply({ push: { ...this.address, pub: { ...this.pub, data: asJsonString(this.pub.data) } } });
    return this.full.for(codec);
  }

  delta(codec: ProtocolCodec, patch: Patch): Uint8Array | undefined {
    if (this.deltaReply === undefined) {
      const { address, pub } = this;
      const json = { push: { ...address, pub: { ...pub, data: patch.json, delta: true } } };
      const binary = { push: { ...address, pub: { ...pub, data: patch.binary, delta: true } } };
      this.deltaReply = EncodedReply.perProtocol(json, binary);
    }
    return this.deltaReply.for(codec);
  }

  takeRefusal(): PayloadNotJsonError | undefined {
    return this.plain.takeRefusal() ?? this.full?.takeRefusal() ?? this.deltaReply?.takeRefusal();
  }
}

/**
 * One publication's encodings for a fan-out, each built at most once per protocol and
 * channel addressing: plain, full-for-delta (JSON clients with delta get `data` as a JSON
 * string) and the fossil delta against the previous payload, when one applies. Pushes
 * carry the channel's name, or its numeric id for subscriptions that negotiated channel
 * compaction; the id is the channel's on this node, so all of those share one encoding.
 */
export class PublicationFanout {
  private readonly byName: AddressedEncodings;
  private byId: AddressedEncodings | undefined;
  private patch: Patch | null | undefined;
  /** Tags filter outcomes, so subscribers sharing a filter evaluate it once. */
  private verdicts: Map<CompiledFilter, boolean> | undefined;
  private refusalTaken = false;

  /**
   * `channelId` is the channel's compaction id on this node, 0 when none was handed out.
   * `lagged`: the publication reached this node later than `client.channel_position_max_time_lag`
   * allows, so positioned subscribers can't trust the live stream and resync.
   */
  constructor(
    readonly channel: string,
    readonly pub: Publication,
    private readonly prev: PreviousPayload | undefined,
    private readonly deltaAllowed: boolean,
    private readonly channelId = 0,
    readonly lagged = false,
  ) {
    this.byName = new AddressedEncodings({ channel }, pub);
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

  /** The publication as is; undefined when JSON refused it. */
  plain(codec: ProtocolCodec, compact: boolean): Uint8Array | undefined {
    return this.encodings(compact).plain.for(codec);
  }

  /** The full payload as delta-negotiated clients expect it; undefined when JSON refused it. */
  fullForDelta(codec: ProtocolCodec, compact: boolean): Uint8Array | undefined {
    return this.encodings(compact).fullForDelta(codec);
  }

  /** The delta against the previous payload, or undefined when none can be sent. */
  delta(codec: ProtocolCodec, compact: boolean): Uint8Array | undefined {
    if (this.patch === undefined) this.patch = this.buildPatch();
    return this.patch ? this.encodings(compact).delta(codec, this.patch) : undefined;
  }

  /**
   * Why a JSON encoding of this publication was refused (a payload is not JSON), to the
   * first caller only: the publication's refusal is logged once, not per subscriber.
   */
  takeRefusal(): PayloadNotJsonError | undefined {
    if (this.refusalTaken) return undefined;
    const refusal = this.byName.takeRefusal() ?? this.byId?.takeRefusal();
    if (refusal) this.refusalTaken = true;
    return refusal;
  }

  /** A subscription uses the id only once the channel has one; until then it is addressed by name. */
  private encodings(compact: boolean): AddressedEncodings {
    if (!compact || this.channelId === 0) return this.byName;
    return (this.byId ??= new AddressedEncodings({ id: this.channelId }, this.pub));
  }

  /** Computed once per publication, whichever addressings then carry it. */
  private buildPatch(): Patch | null {
    const { prev, pub } = this;
    if (!this.deltaAllowed || !prev) return null;
    // In a positioned stream the base must be the publication right before this one.
    if (prev.offset !== undefined && (pub.offset ?? 0) > 0 && prev.offset !== (pub.offset ?? 0) - 1) return null;
    const binary = Uint8Array.from(createDelta(prev.data, pub.data));
    if (binary.length >= pub.data.length) return null;
    let text: string;
    try {
      // JSON clients get the delta as a string; a patch that cuts a UTF-8 sequence can't be one.
      text = utf8.decode(binary);
    } catch {
      return null;
    }
    return { binary, json: Buffer.from(JSON.stringify(text)) };
  }
}

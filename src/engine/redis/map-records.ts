import { decodePublication, encodePublication, type Publication } from '../../protocol/index.js';
import type { MapPublication } from '../map-types.js';

/*
 * The Redis map broker's values (layouts in map-scripts.ts): protobuf Publications framed
 * with the offset the script assigned, the epoch and the time.
 */

const COLON = ':'.charCodeAt(0);
const EMPTY = new Uint8Array(0);

/** A change as the scripts store and publish it: the offset is the script's, so it is not in here. */
export function encodeRecord(pub: Omit<MapPublication, 'offset'>, delta: boolean): Buffer {
  const p: Publication = { data: pub.data, key: pub.key, removed: pub.removed, info: pub.info, tags: pub.tags, time: pub.time, version: pub.version, delta: delta || undefined };
  return Buffer.from(encodePublication(p));
}

function toMapPublication(p: Publication, offset: number, time?: number): MapPublication {
  return {
    key: p.key ?? '',
    data: p.removed ? EMPTY : p.data,
    removed: p.removed || undefined,
    info: p.info,
    tags: p.tags && Object.keys(p.tags).length > 0 ? p.tags : undefined,
    offset,
    time: time ?? p.time ?? 0,
    version: p.version || undefined,
  };
}

/** Where the next `:` is, from `from`; throws on a value that is not ours. */
function colon(b: Buffer, from: number): number {
  const i = b.indexOf(COLON, from);
  if (i < 0) throw new Error('malformed map record');
  return i;
}

/** A state value `<offset>:<removal length>:<removal record><record>` back to the entry. */
export function parseStateValue(value: Buffer): MapPublication {
  const c1 = colon(value, 0);
  const c2 = colon(value, c1 + 1);
  const skip = Number(value.toString('latin1', c1 + 1, c2));
  return toMapPublication(decodePublication(value.subarray(c2 + 1 + skip)), Number(value.toString('latin1', 0, c1)));
}

/** A stream entry as XRANGE returns it: [id `<offset>-0`, [field, value, …]]. */
export function parseStreamEntry(entry: [Buffer, Buffer[]]): MapPublication {
  const [id, fields] = entry;
  let record: Buffer | undefined;
  let time: number | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toString('latin1');
    if (name === 'd') record = fields[i + 1];
    else if (name === 't') time = Number(fields[i + 1]!.toString('latin1'));
  }
  if (!record) throw new Error('malformed map stream entry');
  const offset = Number(id.toString('latin1', 0, id.indexOf('-'.charCodeAt(0))));
  return toMapPublication(decodePublication(record), offset, time);
}

export interface MapMessage {
  pub: MapPublication;
  epoch: string;
  delta: boolean;
  /** The key's value before this change, when the writer asked for delta and there was one. */
  prevData: Uint8Array | undefined;
}

/** A PUB/SUB message `<offset>:<epoch>:<time>:<previous length>:<previous record><record>`. */
export function parseMapMessage(msg: Buffer): MapMessage {
  const c1 = colon(msg, 0);
  const c2 = colon(msg, c1 + 1);
  const c3 = colon(msg, c2 + 1);
  const c4 = colon(msg, c3 + 1);
  const offset = Number(msg.toString('latin1', 0, c1));
  const prevLength = Number(msg.toString('latin1', c3 + 1, c4));
  const recordAt = c4 + 1 + prevLength;
  const record = decodePublication(msg.subarray(recordAt));
  const pub = toMapPublication(record, offset, Number(msg.toString('latin1', c2 + 1, c3)));
  const prevData = prevLength > 0 ? decodePublication(msg.subarray(c4 + 1, recordAt)).data : undefined;
  return { pub, epoch: msg.toString('latin1', c1 + 1, c2), delta: record.delta ?? false, prevData };
}

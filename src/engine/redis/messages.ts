import { decodeClientInfo, decodePublication, type ClientInfo, type StreamPosition } from '../../protocol/index.js';
import type { EnginePublication } from '../types.js';

/**
 * PUB/SUB message layout on a channel: one type byte, then
 * - `p<offset>:<epoch>:<publication bytes>` (written by the publish script),
 * - `j<client info bytes>` / `l<client info bytes>` for join and leave.
 */
export type ChannelMessage =
  | { kind: 'pub'; pub: EnginePublication; position: StreamPosition }
  | { kind: 'join' | 'leave'; info: ClientInfo };

const P = 'p'.charCodeAt(0);
const J = 'j'.charCodeAt(0);
const L = 'l'.charCodeAt(0);
const COLON = ':'.charCodeAt(0);

export function joinLeaveMessage(kind: 'join' | 'leave', info: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(kind === 'join' ? 'j' : 'l'), info]);
}

export function parseChannelMessage(msg: Buffer): ChannelMessage | undefined {
  const type = msg[0];
  if (type === J || type === L) return { kind: type === J ? 'join' : 'leave', info: decodeClientInfo(msg.subarray(1)) };
  if (type !== P) return undefined;
  const c1 = msg.indexOf(COLON, 1);
  const c2 = c1 < 0 ? -1 : msg.indexOf(COLON, c1 + 1);
  if (c2 < 0) return undefined;
  const offset = Number(msg.toString('latin1', 1, c1));
  const epoch = msg.toString('latin1', c1 + 1, c2);
  const p = decodePublication(msg.subarray(c2 + 1));
  return {
    kind: 'pub',
    pub: { data: p.data, info: p.info, tags: p.tags, time: p.time ?? 0, delta: p.delta, offset },
    position: { offset, epoch },
  };
}

/** A history entry `offset:<publication bytes>` back to a publication. */
export function parseHistoryEntry(entry: Buffer): EnginePublication | undefined {
  const c = entry.indexOf(COLON);
  if (c < 0) return undefined;
  const offset = Number(entry.toString('latin1', 0, c));
  const p = decodePublication(entry.subarray(c + 1));
  return { data: p.data, info: p.info, tags: p.tags, time: p.time ?? 0, delta: p.delta, offset };
}

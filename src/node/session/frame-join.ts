import type { ProtocolCodec } from '../../protocol/index.js';

/** How a writer joins queued messages into one write: a protocol's codec, or plain concatenation for MQTT packets. */
export type FrameJoiner = Pick<ProtocolCodec, 'joinFrame'>;

/** A frame joined from several messages, and the messages it holds. */
interface Join {
  codec: FrameJoiner;
  messages: Uint8Array[];
  frame: Uint8Array;
}

/**
 * Frames joined since the last flush pass began, by their place in a writer's output (first
 * frame, second…). Writers flushed one after another after a fan-out usually hold the very same
 * messages (shared encoded buffers), so the n-th frame of one is the n-th frame of the next: it
 * is joined once and the transport frames it once. Frames past the last slot are not shared.
 */
const joins: Array<Join | undefined> = [];
const SLOTS = 4;

function sameRange(joined: readonly Uint8Array[], queue: readonly Uint8Array[], start: number, end: number): boolean {
  if (joined.length !== end - start) return false;
  for (let i = start; i < end; i++) if (joined[i - start] !== queue[i]) return false;
  return true;
}

/**
 * `queue[start..end)` as one frame (newline-joined JSON, concatenated varint-delimited protobuf),
 * the `slot`-th frame of a writer's flush. A single message passes through as the same buffer.
 */
export function joinShared(codec: FrameJoiner, queue: readonly Uint8Array[], start: number, end: number, slot: number): Uint8Array {
  if (end - start === 1) return queue[start]!;
  const cached = slot < SLOTS ? joins[slot] : undefined;
  if (cached && cached.codec === codec && sameRange(cached.messages, queue, start, end)) return cached.frame;
  const messages = queue.slice(start, end);
  const frame = codec.joinFrame(messages);
  if (slot < SLOTS) joins[slot] = { codec, messages, frame };
  return frame;
}

/** Ends a flush pass: what it joined is not kept alive past it. */
export function forgetJoins(): void {
  joins.length = 0;
}

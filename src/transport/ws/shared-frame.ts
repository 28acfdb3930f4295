import * as wsModule from 'ws';

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}

// ws exports its frame encoder (Sender.frame) at run time; @types/ws does not declare it.
const { Sender } = wsModule as unknown as { Sender: { frame(data: Uint8Array, options: FrameOptions): Uint8Array[] } };

/** RFC 6455 opcodes. */
export const Opcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/**
 * Frames above this size go through the connection's `send`, which writes header and payload
 * without copying them into one buffer; below it one copy buys a single write per socket.
 */
export const MAX_SHARED_FRAME = 64 * 1024;

/**
 * The last few payloads framed and their frames: a fan-out writes the same payloads to every
 * socket, one per write, or a few in a row when a writer's queue left as several frames
 * (`client.max_messages_in_frame`): each of those is framed once too.
 */
const SLOTS = 4;
const payloads: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(SLOTS).fill(undefined);
const binaries: boolean[] = new Array<boolean>(SLOTS).fill(false);
const framed: Buffer[] = new Array<Buffer>(SLOTS).fill(Buffer.alloc(0));
/** The slot hit or filled last, looked at first; and the next one to fill. */
let last = 0;
let next = 0;

/** An unmasked server frame as header and payload, for a payload too big to copy behind its header. */
export function frameParts(payload: Uint8Array, opcode: number): Uint8Array[] {
  return Sender.frame(payload, { fin: true, opcode, mask: false, readOnly: false, rsv1: false });
}

/** A complete unmasked server frame of any opcode: header and payload in one buffer. */
export function opcodeFrame(payload: Uint8Array, opcode: number): Buffer {
  return Buffer.concat(frameParts(payload, opcode));
}

/** A complete unmasked server WebSocket frame: header and payload in one buffer. */
export function wholeFrame(payload: Uint8Array, binary: boolean): Buffer {
  return opcodeFrame(payload, binary ? Opcode.binary : Opcode.text);
}

/**
 * `wholeFrame` for a payload, built once however many sockets it goes to. The fan-out hands every
 * subscriber the same Uint8Array, so identity is enough to know the frame is the same.
 */
export function sharedFrame(payload: Uint8Array, binary: boolean): Buffer {
  if (payloads[last] === payload && binaries[last] === binary) return framed[last]!;
  for (let i = 0; i < SLOTS; i++) {
    if (payloads[i] === payload && binaries[i] === binary) {
      last = i;
      return framed[i]!;
    }
  }
  const frame = wholeFrame(payload, binary);
  last = next;
  next = (next + 1) % SLOTS;
  payloads[last] = payload;
  binaries[last] = binary;
  framed[last] = frame;
  return frame;
}

const NEWLINE = 0x0a;

/** The last newline-joined payload split into frames, and those frames in one buffer. */
let lastJoined: Uint8Array | undefined;
let lastSplit: Buffer = Buffer.alloc(0);

/**
 * One text frame per line of a newline-joined JSON payload, all in one buffer: what a client
 * that takes one message per frame gets for several pushes queued in one turn. Built once
 * for a fan-out, as `sharedFrame` is, and written to each socket in one call.
 */
export function sharedSplitFrames(joined: Uint8Array): Buffer {
  if (joined === lastJoined) return lastSplit;
  const frames: Uint8Array[] = [];
  let start = 0;
  for (let i = joined.indexOf(NEWLINE); i >= 0; i = joined.indexOf(NEWLINE, start)) {
    frames.push(wholeFrame(joined.subarray(start, i), false));
    start = i + 1;
  }
  frames.push(wholeFrame(joined.subarray(start), false));
  lastSplit = Buffer.concat(frames);
  lastJoined = joined;
  return lastSplit;
}

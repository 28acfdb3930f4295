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

const TEXT = 1;
const BINARY = 2;

/**
 * Frames above this size go through `ws.send`, which writes header and payload without
 * copying them into one buffer; below it one copy buys a single write per socket.
 */
export const MAX_SHARED_FRAME = 64 * 1024;

/** The last payload framed and its frame: a fan-out writes the same payload to every socket. */
let lastPayload: Uint8Array | undefined;
let lastBinary = false;
let lastFrame: Buffer = Buffer.alloc(0);

/** A complete unmasked server WebSocket frame: header and payload in one buffer. */
export function wholeFrame(payload: Uint8Array, binary: boolean): Buffer {
  return Buffer.concat(Sender.frame(payload, { fin: true, opcode: binary ? BINARY : TEXT, mask: false, readOnly: false, rsv1: false }));
}

/**
 * `wholeFrame` for a payload, built once however many sockets it goes to in a row. The fan-out hands every
 * subscriber the same Uint8Array, so identity is enough to know the frame is the same.
 */
export function sharedFrame(payload: Uint8Array, binary: boolean): Buffer {
  if (payload === lastPayload && binary === lastBinary) return lastFrame;
  lastFrame = wholeFrame(payload, binary);
  lastPayload = payload;
  lastBinary = binary;
  return lastFrame;
}

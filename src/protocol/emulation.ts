import protobuf from 'protobufjs';
import type { ProtocolName } from './codec.js';
import { FrameDecodeError } from './decode-error.js';
import { protoPath } from './proto-files.js';

/**
 * The body of a `POST /emulation`: commands an SSE or HTTP-streaming client sends for its
 * session, outside the stream that carries the replies.
 */
export interface EmulationRequest {
  /** The node holding the session (the connect result's `node`). */
  node: string;
  /** The connect result's `session`. */
  session: string;
  /** One frame of commands in the session's own protocol, as a WebSocket message would carry them. */
  data: Uint8Array;
}

const root = protobuf.loadSync(protoPath('client.proto'));
const EmulationRequestType = root.lookupType('centrifugal.centrifuge.protocol.EmulationRequest');

/**
 * Decodes an EmulationRequest: protobuf (a plain, not length-delimited, message) or JSON
 * `{"node","session","data"}`, where `data` is a JSON string holding the newline-joined
 * command JSON. Throws FrameDecodeError.
 */
export function decodeEmulationRequest(body: Uint8Array, encoding: ProtocolName): EmulationRequest {
  return encoding === 'protobuf' ? decodeProtobuf(body) : decodeJson(body);
}

function decodeProtobuf(body: Uint8Array): EmulationRequest {
  let msg: protobuf.Message;
  try {
    msg = EmulationRequestType.decode(body);
  } catch (err) {
    throw new FrameDecodeError('invalid protobuf EmulationRequest', { cause: err });
  }
  // The decoded message has exactly the proto's fields, with proto3 defaults for absent ones.
  const { node, session, data } = msg as unknown as { node: string; session: string; data: Uint8Array };
  return { node, session, data };
}

function decodeJson(body: Uint8Array): EmulationRequest {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (err) {
    throw new FrameDecodeError('invalid JSON EmulationRequest', { cause: err });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FrameDecodeError('EmulationRequest: expected an object');
  const o = v as Record<string, unknown>;
  const field = (k: string): string => {
    const f = o[k] ?? '';
    if (typeof f !== 'string') throw new FrameDecodeError(`EmulationRequest.${k}: expected a string`);
    return f;
  };
  return { node: field('node'), session: field('session'), data: Buffer.from(field('data'), 'utf8') };
}

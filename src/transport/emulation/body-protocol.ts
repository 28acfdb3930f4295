import type { IncomingMessage } from 'node:http';
import type { ProtocolName } from '../../protocol/index.js';

/** The SDKs mark protobuf bodies with `application/octet-stream`; anything else is JSON. */
export function bodyProtocol(req: IncomingMessage): ProtocolName {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/octet-stream' ? 'protobuf' : 'json';
}

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import * as wsModule from 'ws';

// ws exports its Sec-WebSocket-Protocol parser at run time; @types/ws does not declare it.
const { subprotocol } = wsModule as unknown as { subprotocol: { parse(header: string): Set<string> } };

/** RFC 6455 §1.3: appended to the client's key to make the accept value. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A base64 encoding of 16 bytes, as ws checks it. */
const KEY = /^[+/0-9A-Za-z]{22}==$/;

/** A refused handshake: the status, the body and any header ws adds for the case. */
export interface HandshakeRefusal {
  readonly status: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An acceptable handshake: the key to answer and the subprotocols offered (empty when none). */
export interface HandshakeOffer {
  readonly key: string;
  readonly protocols: ReadonlySet<string>;
}

const NO_PROTOCOLS: ReadonlySet<string> = new Set();

/**
 * Checks an upgrade request as ws's `WebSocketServer.handleUpgrade` does, in the same order
 * and with the same status codes, so a client sees no difference between the two paths.
 */
export function readHandshake(req: IncomingMessage): HandshakeOffer | HandshakeRefusal {
  if (req.method !== 'GET') return { status: 405, message: 'Invalid HTTP method' };
  const upgrade = req.headers.upgrade;
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket') return { status: 400, message: 'Invalid Upgrade header' };
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) return { status: 400, message: 'Missing or invalid Sec-WebSocket-Key header' };
  // Version 8 (hybi-08) frames as 13 does; ws takes both.
  const version = Number(req.headers['sec-websocket-version']);
  if (version !== 13 && version !== 8) {
    return { status: 400, message: 'Missing or invalid Sec-WebSocket-Version header', headers: { 'Sec-WebSocket-Version': '13, 8' } };
  }
  const header = req.headers['sec-websocket-protocol'];
  if (header === undefined) return { key, protocols: NO_PROTOCOLS };
  try {
    return { key, protocols: subprotocol.parse(header) };
  } catch {
    return { status: 400, message: 'Invalid Sec-WebSocket-Protocol header' };
  }
}

export function isRefusal(h: HandshakeOffer | HandshakeRefusal): h is HandshakeRefusal {
  return 'status' in h;
}

/** The 101 response: the accept value for `key`, and the chosen subprotocol if any. */
export function switchingProtocols(key: string, protocol: string | false): string {
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  const chosen = protocol === false ? '' : `Sec-WebSocket-Protocol: ${protocol}\r\n`;
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${chosen}\r\n`;
}

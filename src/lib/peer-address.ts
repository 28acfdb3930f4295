import type { Socket } from 'node:net';

/** What Node's stream handle fills with the peer's name: made with all three fields at once. */
interface PeerName {
  address: string;
  family: string;
  port: number;
}

/** The parts of a Node socket `remoteAddress` reads through (not in its public type). */
interface PeerNameSource {
  _handle?: { getpeername?: (out: PeerName) => number } | null;
  _peername?: PeerName;
  connecting?: boolean;
}

/**
 * A socket's peer address, what `socket.remoteAddress` gives ('' when there is none), read
 * the same way and kept on the socket the same way (one `getpeername` per socket, later
 * reads of either kind find it). The one difference: Node's getter hands the native side an
 * empty object, to which it adds `address`, `family` and `port` one at a time, each through
 * V8's slow path for a new property (a search of the empty object's transitions, which a
 * large program makes long). That was most of the read's cost on the connect path, more
 * than the system call. Here the object already has the fields, and filling it only
 * stores them. A socket without such a handle (not a TCP or TLS socket) is read through
 * the public getter.
 */
export function peerAddress(socket: Socket): string {
  const s = socket as unknown as PeerNameSource;
  const known = s._peername;
  if (known !== undefined) return known.address ?? '';
  const handle = s._handle;
  if (typeof handle?.getpeername !== 'function' || s.connecting === true) return socket.remoteAddress ?? '';
  const out: PeerName = { address: '', family: '', port: 0 };
  // Non-zero: an error (the peer already gone); Node's getter keeps nothing then either.
  if (handle.getpeername(out) !== 0) return '';
  s._peername = out;
  return out.address;
}

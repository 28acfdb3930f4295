import { connect, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

/** A TCP connection to the server that writes `bytes` first; destroyed after the test. Reading is up to the test. */
export function rawSocket(t: TestContext, port: number, bytes: string | Buffer = ''): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      if (bytes.length > 0) socket.write(bytes);
      resolve(socket);
    });
  });
}

/** Collects what arrives on `socket` until `text` has, then stops reading it for good. */
export function readUntilThenStop(socket: Socket, text: string): Promise<string> {
  let seen = '';
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1');
      if (!seen.includes(text)) return;
      socket.off('data', onData);
      socket.pause();
      resolve(seen);
    };
    socket.on('data', onData);
  });
}

/** Resolves once the peer has closed `socket` (the test keeps reading so the close is seen), with what it sent. */
export function closedByPeer(socket: Socket): Promise<string> {
  let seen = '';
  socket.on('data', (chunk: Buffer) => (seen += chunk.toString('latin1')));
  return new Promise((resolve) => socket.once('close', () => resolve(seen)));
}

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Broadcasts one publication body to a channel's sockets. */
export type Broadcast = (channel: string, body: Buffer) => void;

/** The channels a bench client asks for in its URL: `?channels=a,b`. */
export function channelsOf(url: string | undefined): string[] {
  const q = new URL(url ?? '/', 'http://x').searchParams.get('channels');
  return q ? q.split(',') : [];
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The comparison servers' publish API: `POST /publish?channel=c` with the payload as the
 * body, answered once every socket of the channel has been written to.
 */
export function publishServer(broadcast: Broadcast): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const channel = url.searchParams.get('channel');
    if (req.method !== 'POST' || url.pathname !== '/publish' || !channel) {
      res.writeHead(404).end();
      return;
    }
    readAll(req).then(
      (body) => {
        broadcast(channel, body);
        res.writeHead(200).end();
      },
      () => res.writeHead(400).end(),
    );
  });
}

/** Listens on a loopback port and prints it where the harness waits for it. */
export function listen(server: Server): void {
  server.listen(0, '127.0.0.1', () => {
    console.log(JSON.stringify({ msg: 'listening', port: (server.address() as AddressInfo).port }));
  });
  process.on('SIGTERM', () => process.exit(0));
}

/** Channel name → members, with membership dropped with the last member. */
export class Rooms<T> {
  private readonly rooms = new Map<string, Set<T>>();

  join(channels: string[], member: T): void {
    for (const ch of channels) {
      let set = this.rooms.get(ch);
      if (!set) this.rooms.set(ch, (set = new Set()));
      set.add(member);
    }
  }

  leave(channels: string[], member: T): void {
    for (const ch of channels) {
      const set = this.rooms.get(ch);
      set?.delete(member);
      if (set?.size === 0) this.rooms.delete(ch);
    }
  }

  members(channel: string): Iterable<T> {
    return this.rooms.get(channel) ?? [];
  }
}

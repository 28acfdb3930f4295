import { SignJWT } from 'jose';
import type { WebSocket } from 'ws';

/** How a bench client talks to each kind of server. */
export type DialectName = 'parsec' | 'parsec-map' | 'parsec-uni' | 'ws' | 'socketio';

/** One client's connection parameters. */
export interface ClientSpec {
  port: number;
  channels: string[];
  /** Connection token (Parsec only). */
  token?: string;
}

/** What a message turned out to be, for the load generator's bookkeeping. */
export const enum Frame {
  /** Carries publications: count the `"t":` stamps. */
  Data,
  /** Handshake finished: the client is connected and subscribed. */
  Ready,
  Other,
}

export interface Dialect {
  url(spec: ClientSpec): string;
  /** Runs once the socket opens; returns true when that completes the handshake. */
  onOpen(ws: WebSocket, spec: ClientSpec): boolean;
  /** Classifies a message, answering pings and handshake steps; throws on a refused handshake. */
  onMessage(ws: WebSocket, data: Buffer, ready: boolean, spec: ClientSpec): Frame;
}

const PING_JSON = Buffer.from('{}');

/**
 * The Centrifugo JSON protocol: connect with a token, send `subscribe` (built by `subscribe`
 * for each channel), then pushes (maybe several per frame).
 */
function centrifugoJson(subscribe: (channel: string) => string, handshakeReply: (data: Buffer) => void = () => undefined): Dialect {
  return {
    url: (s) => `ws://127.0.0.1:${s.port}/connection/websocket`,
    onOpen(ws, s) {
      const commands = [`{"id":1,"connect":{"token":"${s.token}"}}`];
      s.channels.forEach((channel, i) => commands.push(`{"id":${i + 2},"subscribe":${subscribe(channel)}}`));
      ws.send(commands.join('\n'));
      return false;
    },
    onMessage(ws, data, ready, spec) {
      // A ping is a `{}` line, alone or coalesced with pushes.
      if (data.equals(PING_JSON) || (data.length > 2 && data.includes('\n{}') && /(^|\n)\{\}(\n|$)/.test(data.toString()))) {
        ws.send('{}');
        if (data.length === 2) return Frame.Other;
      }
      if (ready) return Frame.Data;
      if (data.includes('"error"')) throw new Error(`refused: ${data.toString().slice(0, 200)}`);
      handshakeReply(data);
      // The last command's reply ends the handshake (replies come in order, `id` first).
      return data.includes(`{"id":${spec.channels.length + 1},`) ? Frame.Ready : Frame.Other;
    },
  };
}

const parsec = centrifugoJson((channel) => `{"channel":"${channel}"}`);

/**
 * Map subscriptions: the first state page (type 1, phase 2) of a channel with no more state
 * than one page goes live in the same reply (phase 0, omitted in JSON). A reply naming
 * another phase means the map holds more than a page: the bench has no paging client.
 */
const parsecMap = centrifugoJson(
  (channel) => `{"channel":"${channel}","type":1,"phase":2}`,
  (data) => {
    if (data.includes('"phase"')) throw new Error(`map subscribe did not go live in one reply: ${data.toString().slice(0, 200)}`);
  },
);

/**
 * Parsec's uni_websocket: the connect request in `cf_connect`, the channels server-side from
 * the token's `channels` claim; the connect push ends the handshake, pings need no answer.
 */
const parsecUni: Dialect = {
  url: (s) => `ws://127.0.0.1:${s.port}/connection/uni_websocket?cf_connect=${encodeURIComponent(`{"token":"${s.token}"}`)}`,
  onOpen: () => false,
  onMessage(_ws, data, ready) {
    if (ready) return Frame.Data;
    if (data.includes('"disconnect"')) throw new Error(`refused: ${data.toString().slice(0, 200)}`);
    return data.includes('"connect"') ? Frame.Ready : Frame.Other;
  },
};

/** Bare ws: open means subscribed (the server joins channels from the URL during the upgrade). */
const ws: Dialect = {
  url: (s) => `ws://127.0.0.1:${s.port}/ws?channels=${s.channels.join(',')}`,
  onOpen: () => true,
  onMessage: () => Frame.Data,
};

/** Engine.IO v4 over WebSocket: `0{…}` open → `40` namespace connect → `40{sid}`; `2` ping → `3`; `42[…]` events. */
const socketio: Dialect = {
  url: (s) => `ws://127.0.0.1:${s.port}/socket.io/?EIO=4&transport=websocket&channels=${s.channels.join(',')}`,
  onOpen: () => false,
  onMessage(sock, data) {
    const c0 = data[0];
    if (c0 === 0x34 /* 4 */) {
      if (data[1] === 0x32 /* 2: event */) return Frame.Data;
      if (data[1] === 0x30 /* 0: connect */) return Frame.Ready;
      if (data[1] === 0x34 /* 4: connect_error */) throw new Error(`refused: ${data.toString()}`);
      return Frame.Other;
    }
    if (c0 === 0x30 /* 0: open */) sock.send('40');
    else if (c0 === 0x32 /* 2: ping */) sock.send('3');
    return Frame.Other;
  },
};

export const dialects: Record<DialectName, Dialect> = { parsec, 'parsec-map': parsecMap, 'parsec-uni': parsecUni, ws, socketio };

/**
 * HS256 connection tokens for users `u<from>`…; signing happens before any timed phase.
 * `channels` become the token's server-side subscriptions (for unidirectional clients).
 */
export async function signTokens(secret: string, from: number, count: number, channels?: string[]): Promise<string[]> {
  const key = new TextEncoder().encode(secret);
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(await new SignJWT({ sub: `u${from + i}`, exp, ...(channels ? { channels } : {}) }).setProtectedHeader({ alg: 'HS256' }).sign(key));
  return out;
}

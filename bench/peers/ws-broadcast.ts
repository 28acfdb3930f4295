import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { wholeFrame } from '../../src/transport/index.js';
import { Rooms, channelsOf, listen, publishServer, type Broadcast } from './publish-endpoint.js';

/**
 * The baseline a simple Node server sets: bare `ws`, clients join channels by URL,
 * `POST /publish` sends the body as is to every socket of the channel.
 * - `naive`: `socket.send(body)` per client, as most applications write it;
 * - `preframed`: the WebSocket frame is built once (ws's Sender.frame) and the same
 *   bytes are written to every raw socket, the least work a Node loop can do per client.
 */
const mode = process.argv[2];
if (mode !== 'naive' && mode !== 'preframed') throw new Error(`usage: ws-broadcast naive|preframed (got ${mode})`);

interface Member {
  ws: WebSocket;
  socket: Duplex;
}

const rooms = new Rooms<Member>();

const naive: Broadcast = (channel, body) => {
  for (const m of rooms.members(channel)) m.ws.send(body, { binary: false });
};

const preframed: Broadcast = (channel, body) => {
  const frame = wholeFrame(body, false);
  for (const m of rooms.members(channel)) m.socket.write(frame);
};

const server = publishServer(mode === 'naive' ? naive : preframed);
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
  const channels = channelsOf(req.url);
  wss.handleUpgrade(req, socket, head, (ws) => {
    const member = { ws, socket };
    rooms.join(channels, member);
    ws.on('close', () => rooms.leave(channels, member));
    ws.on('error', () => ws.terminate());
  });
});
listen(server);

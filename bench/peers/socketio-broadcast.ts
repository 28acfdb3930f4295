import { Server } from 'socket.io';
import { channelsOf, listen, publishServer } from './publish-endpoint.js';

/**
 * Socket.IO 4 as a typical application uses it: clients join rooms named in the
 * handshake query, `POST /publish` emits the parsed payload to the room.
 */
let io: Server | undefined;
const server = publishServer((channel, body) => {
  io?.to(channel).emit('m', JSON.parse(body.toString()) as unknown);
});
io = new Server(server, { serveClient: false, transports: ['websocket'], perMessageDeflate: false, httpCompression: false });
io.on('connection', (socket) => {
  void socket.join(channelsOf(socket.request.url));
});
listen(server);

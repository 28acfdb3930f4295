import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';

/**
 * aedes as a standalone MQTT broker on its defaults (in-memory persistence, anyone may
 * connect): the Node MQTT broker Parsec's MQTT front door is compared with.
 */
const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', port: (server.address() as AddressInfo).port }));
});
// Thousands of sockets: no graceful close, as for the other peers.
process.on('SIGTERM', () => process.exit(0));

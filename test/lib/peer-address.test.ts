import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, Socket, type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { peerAddress } from '../../src/lib/index.js';

/** A server socket accepted from a client on `host`, with the client's own local name. */
async function accepted(host: string): Promise<{ server: Socket; client: Socket; close: () => void }> {
  const srv = createServer();
  srv.listen(0, host);
  await once(srv, 'listening');
  const client = connect((srv.address() as AddressInfo).port, host);
  const [server] = (await once(srv, 'connection')) as [Socket];
  await once(client, 'connect');
  return {
    server,
    client,
    close: () => {
      client.destroy();
      server.destroy();
      srv.close();
    },
  };
}

describe('peer address', () => {
  const open: (() => void)[] = [];
  after(() => open.forEach((close) => close()));

  for (const host of ['127.0.0.1', '::1']) {
    it(`reads what remoteAddress gives, and Node's own getters find it kept (${host})`, async (t) => {
      let c;
      try {
        c = await accepted(host);
      } catch (err) {
        if (host === '::1') return t.skip(`no IPv6 loopback here: ${(err as Error).message}`);
        throw err;
      }
      open.push(c.close);
      assert.equal(peerAddress(c.server), host);
      assert.equal(peerAddress(c.server), host, 'a second read');
      assert.equal(c.server.remoteAddress, host);
      assert.equal(c.server.remotePort, c.client.localPort);
      assert.equal(c.server.remoteFamily, host.includes(':') ? 'IPv6' : 'IPv4');
    });
  }

  it("answers as remoteAddress does when it was read first, and '' for a stream with no peer", async () => {
    const c = await accepted('127.0.0.1');
    open.push(c.close);
    assert.equal(c.server.remoteAddress, '127.0.0.1');
    assert.equal(peerAddress(c.server), '127.0.0.1');
    assert.equal(peerAddress(new PassThrough() as unknown as Socket), '');
  });

  it("gives '' for a socket whose peer is gone before it was read", async () => {
    const c = await accepted('127.0.0.1');
    open.push(c.close);
    c.server.destroy();
    await once(c.server, 'close');
    assert.equal(peerAddress(c.server), '');
  });
});

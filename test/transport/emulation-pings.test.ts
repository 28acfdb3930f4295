import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { sdkOver, transportCases, type Sdk } from '../helpers/sdk.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

/** Keepalive over the emulated transports: pongs travel through /emulation, so no 3012. */
describe('server pings over emulated transports', () => {
  let server: TestServer;
  const clients: Sdk[] = [];

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.sse.enabled = true;
        c.httpStream.enabled = true;
        c.client.pingInterval = 1000;
        c.client.pongTimeout = 500;
      }),
    );
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
  });

  for (const tc of transportCases.filter((t) => t.transport !== 'websocket')) {
    it(`stays connected across pings over ${tc.transport} (${tc.protocol})`, async () => {
      // The SDK's own fetch, watched: after connecting, each /emulation request it makes is a pong.
      let pongs = 0;
      const watched = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
        const res = await fetch(input, init);
        const url = input instanceof Request ? input.url : String(input);
        if (new URL(url).pathname === '/emulation' && res.ok) pongs++;
        return res;
      };
      const c = sdkOver(tc, server.httpUrl, { token: await connToken('pinged'), fetch: watched });
      clients.push(c);
      c.connect();
      await c.ready(3000);
      let dropped: unknown;
      c.on('disconnected', (ctx) => (dropped = ctx));
      c.on('connecting', (ctx) => (dropped ??= ctx));
      // A missed pong ends the session (3012) before the next ping is due: a third pong
      // answers a third ping, so the first two pongs were accepted.
      await until(() => pongs >= 3 || dropped !== undefined, 15_000);
      assert.equal(dropped, undefined);
      assert.equal(c.state, 'connected');
      assert.ok(pongs >= 3);
    });
  }
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { sdkOver, transportCases, type Sdk } from '../helpers/sdk.js';
import { connToken } from '../helpers/tokens.js';

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
      const c = sdkOver(tc, server.httpUrl, { token: await connToken('pinged') });
      clients.push(c);
      c.connect();
      await c.ready(3000);
      let dropped: unknown;
      c.on('disconnected', (ctx) => (dropped = ctx));
      c.on('connecting', (ctx) => (dropped ??= ctx));
      // At least two pings go out in this time; a missing pong would end the session at 1.5 s.
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(dropped, undefined);
      assert.equal(c.state, 'connected');
    });
  }
});

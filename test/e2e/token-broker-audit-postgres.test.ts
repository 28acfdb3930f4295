import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { API_KEY, SERVICE_KEY, call, enableBroker, issue, startIdp, userToken } from '../helpers/broker.js';
import type { JwksServer, SigningKey } from '../helpers/jwks-server.js';
import { RawClient } from '../helpers/raw.js';
import { once, sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { postgresUrl, skipWithout } from '../helpers/services.js';

const skip = await skipWithout('Postgres', postgresUrl);

/** The audit trail in PostgreSQL: the table is created on start, one row per issued token. */
describe('token broker audit in PostgreSQL', { skip: skip || undefined }, () => {
  const table = `parsec_audit_${randomBytes(4).toString('hex')}`;
  let idp: JwksServer;
  let key: SigningKey;
  let server: TestServer;
  let db: pg.Client;

  before(async () => {
    ({ idp, key } = await startIdp());
    server = await startServer(
      testConfig((c) => {
        enableBroker(c, idp.url);
        c.parsec.audit = { ...c.parsec.audit, postgresDsn: postgresUrl, postgresTable: table };
        c.channel.namespaces = [namespace('team', {})];
      }),
    );
    db = new pg.Client({ connectionString: postgresUrl });
    await db.connect();
  });
  after(async () => {
    await server.close();
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
    await idp.close();
  });

  it('writes a row per issuance, delegated and bulk ones included, and answers GET /audit from it', async () => {
    const bearer = await userToken(key, 'u-pg');
    const issuing = Date.now();
    const t = await issue(server, bearer, ['team:a', 'user:u-pg']);
    const issued = Date.now();
    const d = await call<{ token_id: string }>(server, '/token/delegate', { bearer: SERVICE_KEY, body: { on_behalf_of: 'u-static', channels: ['team:b'] } });
    const creds = await call<Record<string, string>>(server, '/credentials?number=2', { apiKey: API_KEY });
    assert.equal(creds.status, 200);

    const { rows } = await db.query(`SELECT token_id, issued_to, delegator, channels, expires_at, issued_at, remote_addr FROM ${table} WHERE issued_to = ANY($1) ORDER BY token_id`, [['u-pg', 'u-static']]);
    assert.deepEqual(
      rows.map((r) => [r.token_id, r.issued_to, r.delegator, r.channels]),
      [
        [t.token_id, 'u-pg', '', ['team:a', 'user:u-pg']],
        [d.body.token_id, 'u-static', 'billing-svc', ['team:b']],
      ],
    );
    assert.equal((rows[0].expires_at as Date).getTime(), new Date(t.expires_at).getTime());
    // Written during the call; JWT times are whole seconds, so the row may be that much earlier.
    const issuedAt = (rows[0].issued_at as Date).getTime();
    assert.ok(issuedAt >= Math.floor(issuing / 1000) * 1000 && issuedAt <= issued, `issued_at ${issuedAt}, asked between ${issuing} and ${issued}`);
    assert.match(rows[0].remote_addr as string, /127\.0\.0\.1/);
    const devices = await db.query(`SELECT issued_to, expires_at FROM ${table} WHERE issued_to = ANY($1)`, [Object.keys(creds.body)]);
    assert.equal(devices.rowCount, 2);
    assert.equal(devices.rows[0].expires_at, null);

    const audit = await call<{ entries: Array<{ token_id: string }> }>(server, '/audit?user=billing-svc', { method: 'GET', apiKey: API_KEY });
    assert.deepEqual(audit.body.entries.map((e) => e.token_id), [d.body.token_id]);
    const mine = await call<{ entries: Array<{ token_id: string }> }>(server, '/audit?user=u-pg', { method: 'GET', apiKey: API_KEY });
    assert.deepEqual(mine.body.entries.map((e) => e.token_id), [t.token_id]);
  });

  it('lets a user revoke an own token found in the shared audit table, ending its session and refusing it after', async (t) => {
    const bearer = await userToken(key, 'u-pg2');
    const issued = await issue(server, bearer, ['team:a']);
    const live = sdk('json', server.url, { token: issued.token });
    t.after(() => live.disconnect());
    live.connect();
    await live.ready(3000);
    const ended = once<{ code: number; reason: string }>(live, 'disconnected', 3000);
    assert.equal((await call(server, '/revoke', { bearer, body: { token_id: issued.token_id } })).status, 200);
    const d = await ended;
    assert.deepEqual([d.code, d.reason], [3500, 'token revoked']);

    const again = await RawClient.open(server.url);
    t.after(() => again.close());
    again.send({ id: 1, connect: { token: issued.token } });
    assert.equal((await again.closeCode()).code, 3500);
  });
});

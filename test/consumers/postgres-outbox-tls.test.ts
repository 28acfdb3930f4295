import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { ConfigError, loadConfig, type ConsumerConfig } from '../../src/config/index.js';
import { skipWithoutPostgresServer, TlsPostgres } from '../helpers/postgres-server.js';
import type { TestServer } from '../helpers/server.js';
import { skipWithoutProgram } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { consumer, consumerServer, createOutbox, insertOutbox, subscriber } from './helpers.js';

/*
 * A `postgresql` outbox consumer reading from a PostgreSQL server of its own that takes TLS
 * connections only, each with a client certificate: the consumer's `tls` block carries the
 * certificate, the CA and `server_name`, as in Centrifugo's consumer config.
 */

const SERVER_NAME = 'db.parsec.test';
const skip = skipWithoutPostgresServer() || skipWithoutProgram('openssl', 'openssl', ['version'], /^OpenSSL 3/m);

describe('PostgreSQL outbox consumer over TLS with a client certificate', { skip: skip || undefined }, () => {
  let server: TlsPostgres;
  let db: pg.Client;
  const servers: TestServer[] = [];
  let tables = 0;

  before(async () => {
    server = await TlsPostgres.start(SERVER_NAME);
    db = server.connect();
    await db.connect();
  });
  after(async () => {
    for (const s of servers) await s.close();
    await db?.end();
    await server?.down();
  });

  /** A fresh outbox table, and a consumer of it (notified on inserts) whose `tls` block is the full client identity plus `tls`. */
  const fresh = async (tls: Record<string, unknown> = {}, postgresql: Record<string, unknown> = {}): Promise<{ table: string; config: ConsumerConfig }> => {
    const table = `outbox_${++tables}`;
    await createOutbox(db, table);
    const config = consumer({
      name: 'secure',
      type: 'postgresql',
      postgresql: {
        dsn: server.dsn,
        outbox_table_name: table,
        partition_poll_interval: '5s',
        partition_notification_channel: table,
        tls: { enabled: true, server_ca_pem: server.ca.cert, cert_pem: server.client.cert, key_pem: server.client.key, ...tls },
        ...postgresql,
      },
    });
    return { table, config };
  };

  it('applies outbox rows read with the client certificate, the server checked against the IP in the DSN, and is woken by notifications', async () => {
    const { table, config } = await fresh();
    const s = await consumerServer(servers, (c) => (c.consumers = [config]));
    const watcher = await subscriber(s.url, ['secure']);
    await insertOutbox(db, table, [{ method: 'publish', payload: { channel: 'secure', data: { n: 1 } } }]);
    // Well within the 5 s poll: the LISTEN connection (TLS too) woke the worker.
    await until(() => watcher.total() === 1, 3000);
    assert.deepEqual(watcher.byChannel.get('secure'), [{ n: 1 }]);
    watcher.client.disconnect();
  });

  it('checks the server certificate against server_name; takes PEM files by path, and insecure_skip_verify in place of the CA', async () => {
    for (const tls of [{ server_name: SERVER_NAME }, { server_ca_pem: '', insecure_skip_verify: true, cert_pem: server.client.certFile, key_pem: server.client.keyFile }]) {
      const { table, config } = await fresh(tls);
      const s = await consumerServer(servers, (c) => (c.consumers = [config]));
      const watcher = await subscriber(s.url, ['secure']);
      await insertOutbox(db, table, [{ method: 'publish', payload: { channel: 'secure', data: tls } }]);
      await until(() => watcher.total() === 1, 3000);
      watcher.client.disconnect();
    }
  });

  it('fails to start, naming the consumer, without a client certificate, with an untrusted server or the wrong server_name', async () => {
    for (const [tls, why] of [
      [{ cert_pem: '', key_pem: '' }, /certificate/i],
      [{ server_ca_pem: '' }, /self[- ]signed|unable to (get|verify)/i],
      [{ server_name: 'other.parsec.test' }, /other\.parsec\.test/],
    ] as const) {
      const { config } = await fresh(tls);
      await assert.rejects(consumerServer(servers, (c) => (c.consumers = [config])), (err: Error) => {
        assert.match(err.message, /^consumer "secure": cannot read the outbox table/, JSON.stringify(tls));
        assert.match(err.message, why, JSON.stringify(tls));
        assert.match(err.message, /check consumers\[0\]\.postgresql\.tls \(server_ca_pem, server_name, and cert_pem\/key_pem/, JSON.stringify(tls));
        return true;
      });
    }
  });

  it("names the consumer's key of a certificate it cannot read", async () => {
    const { config } = await fresh({ cert_pem: '/nonexistent/client.pem' });
    await assert.rejects(consumerServer(servers, (c) => (c.consumers = [config])), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.key, 'consumers[0].postgresql.tls.cert_pem');
      return true;
    });
  });

  it('refuses a DSN with ssl settings of its own next to tls.enabled, naming the DSN key', () => {
    for (const [key, postgresql] of [
      ['dsn', { dsn: 'postgres://u@db:5432/x?sslmode=require' }],
      ['partition_notification_dsn', { dsn: 'postgres://u@db:5432/x', partition_notification_dsn: 'host=db sslrootcert=/ca.pem' }],
    ] as const) {
      const entry = { name: 'c1', enabled: true, type: 'postgresql', postgresql: { outbox_table_name: 'outbox', ...postgresql, tls: { enabled: true } } };
      assert.throws(
        () => loadConfig({ overrides: { consumers: [entry] } }),
        (err: unknown) => err instanceof ConfigError && err.key === `consumers[0].postgresql.${key}` && /set TLS in one place/.test(err.message),
      );
    }
  });
});

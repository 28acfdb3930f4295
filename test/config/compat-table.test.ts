import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compatibilityDocument, compatibilityRows, compatibilitySummary, withSummary, type KeyRow } from '../../src/config/compat.js';
import { loadConfig } from '../../src/config/index.js';
import { configSchema } from '../../src/config/schema.js';
import { unknownKeyWarnings } from '../../src/config/unknown-keys.js';
import { packageRoot } from '../../src/lib/index.js';

const rows = compatibilityRows();
const row = (key: string): KeyRow => rows.find((r) => r.key === key) ?? assert.fail(`no row for ${key}`);

/** A raw config with `true` at a table key (`[]` = the first element, named when it needs a name). */
function rawAt(key: string): Record<string, unknown> {
  const parts = key.split('.');
  const build = (i: number): unknown => {
    if (i === parts.length) return true;
    const part = parts[i]!;
    return part.endsWith('[]') ? { [part.slice(0, -2)]: [{ name: 'probe', ...(build(i + 1) as object) }] } : { [part]: build(i + 1) };
  };
  return build(0) as Record<string, unknown>;
}

describe('compatibility table', () => {
  it('COMPATIBILITY.md and the README summary are what `npm run compat-table` writes now', () => {
    const root = packageRoot();
    const stale = 'stale: run `npm run compat-table` and commit the result';
    assert.equal(readFileSync(join(root, 'COMPATIBILITY.md'), 'utf8'), compatibilityDocument(rows), `COMPATIBILITY.md is ${stale}`);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    assert.equal(withSummary(readme, compatibilitySummary(rows)), readme, `the README's compatibility summary is ${stale}`);
  });

  it('lists every key once, each with a status the loader agrees with', () => {
    assert.equal(new Set(rows.map((r) => r.key)).size, rows.length);
    for (const r of rows.filter((x) => x.status !== 'supported')) {
      const warnings = unknownKeyWarnings(configSchema, rawAt(r.key), 'file').join('\n');
      const expected = r.status === 'recognised' ? /recognised but not supported yet/ : /unknown key/;
      assert.match(warnings, expected, `${r.key} is "${r.status}" in the table`);
    }
    for (const r of rows.filter((x) => x.status === 'supported' && !x.key.includes('[]')).slice(0, 200)) {
      assert.deepEqual(unknownKeyWarnings(configSchema, rawAt(r.key), 'file'), [], `${r.key} is supported: no warning`);
    }
  });

  it('names refused values with the reason the start gives', () => {
    const autocert = row('http_server.tls_autocert.enabled');
    assert.equal(autocert.status, 'supported');
    assert.equal(autocert.refused.length, 1);
    assert.throws(() => loadConfig({ overrides: { 'http_server.tls_autocert.enabled': true } }), (err: Error) => err.message.includes(autocert.refused[0]!.reason));
    assert.deepEqual(row('swagger.handler_prefix'), { key: 'swagger.handler_prefix', status: 'supported', refused: [] });
    assert.deepEqual(row('log.level').values, ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'none']);
    assert.equal(row('debug.enabled').status, 'recognised');
    // A switched section's type is probed with the section on, as only an enabled broker is refused.
    assert.deepEqual(row('broker.type').refused.map((r) => r.value), ['redisnats', 'postgres']);
    assert.doesNotThrow(() => loadConfig({ overrides: { 'broker.type': 'postgres' } }));
    assert.throws(() => loadConfig({ overrides: { 'broker.enabled': true, 'broker.type': 'redisnats' } }), (err: Error) => err.message.includes(row('broker.type').refused[0]!.reason));
  });

  it('finds refusals of a list element by its value (consumers[] type)', () => {
    const type = row('consumers[].type');
    assert.deepEqual(type.refused.map((r) => r.value), ['kafka', 'aws_sqs', 'google_pub_sub', 'azure_service_bus']);
    assert.throws(
      () => loadConfig({ overrides: { consumers: [{ name: 'c1', enabled: true, type: 'kafka' }] } }),
      (err: Error) => err.message.includes(type.refused[0]!.reason.replace('"probe"', '"c1"')),
    );
  });

  it("recognises Centrifugo's client-side TLS and Redis client keys; gRPC reflection is served", () => {
    assert.equal(row('grpc_api.reflection').status, 'supported');
    for (const key of [
      'engine.redis.tls.cert_pem', 'broker.redis.tls.server_name', 'presence_manager.redis.tls.key_pem', 'map_broker.redis.tls.cert_pem',
      'consumers[].redis_stream.tls.cert_pem', 'consumers[].redis_stream.tls.key_pem', 'consumers[].redis_stream.tls.server_name',
      'consumers[].postgresql.tls.enabled', 'consumers[].postgresql.tls.server_name', 'consumers[].nats_jetstream.tls.cert_pem', 'consumers[].nats_jetstream.tls.key_pem',
    ]) {
      assert.equal(row(key).status, 'supported', key);
    }
    for (const key of [
      'http_server.tls.server_ca_pem', 'grpc_api.tls.insecure_skip_verify', 'uni_grpc.tls.server_name',
      'engine.redis.history_use_lists', 'engine.redis.tls.client_ca_pem', 'map_broker.redis.sentinel_tls.enabled', 'map_broker.redis.replica_client.enabled',
      'broker.redis.history_use_lists', 'presence_manager.redis.presence_user_mapping', 'presence_manager.redis.tls.client_ca_pem',
      'consumers[].redis_stream.tls.client_ca_pem', 'consumers[].postgresql.tls.client_ca_pem', 'consumers[].nats_jetstream.tls.client_ca_pem',
    ]) {
      assert.equal(row(key).status, 'recognised', key);
    }
  });
});

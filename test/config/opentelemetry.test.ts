import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig, loadConfig } from '../../src/config/index.js';
import { configError, tempConfig } from './helpers.js';

test('opentelemetry: off by default, each switch too', () => {
  const c = defaultConfig();
  assert.deepEqual(c.opentelemetry, { enabled: false, api: false, consuming: false });
  assert.deepEqual(c.parsec.opentelemetry, { proxy: false });
});

test('opentelemetry keys load from a file as Centrifugo writes them, with Parsec\'s proxy switch', (t) => {
  const file = tempConfig(
    t,
    'config.yaml',
    ['opentelemetry:', '  enabled: true', '  api: true', '  consuming: true', '  google_cloud_adc_auth: false', 'parsec:', '  opentelemetry:', '    proxy: true'].join('\n'),
  );
  const { config, warnings } = loadConfig({ file });
  assert.deepEqual(config.opentelemetry, { enabled: true, api: true, consuming: true });
  assert.deepEqual(config.parsec.opentelemetry, { proxy: true });
  // Google Cloud's credentials for its OTLP endpoint: recognised, not supported (a collector can add them).
  assert.deepEqual(warnings, [`${file}: "opentelemetry.google_cloud_adc_auth" is recognised but not supported yet (ignored)`]);
});

test('opentelemetry keys from the environment, PARSEC_ and CENTRIFUGO_', () => {
  const { config, warnings } = loadConfig({
    env: { CENTRIFUGO_OPENTELEMETRY_ENABLED: 'true', PARSEC_OPENTELEMETRY_API: 'true', PARSEC_PARSEC_OPENTELEMETRY_PROXY: 'true' },
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.opentelemetry, { enabled: true, api: true, consuming: false });
  assert.equal(config.parsec.opentelemetry.proxy, true);
});

test('a bad opentelemetry value names its key; unknown keys in the section are reported', (t) => {
  const bad = tempConfig(t, 'config.json', JSON.stringify({ opentelemetry: { enabled: 'yes' } }));
  const err = configError(() => loadConfig({ file: bad }));
  assert.equal(err.key, 'opentelemetry.enabled');
  const unknown = tempConfig(t, 'other.json', JSON.stringify({ opentelemetry: { enabled: true, endpoint: 'http://collector:4318' } }));
  assert.deepEqual(loadConfig({ file: unknown }).warnings, [`${unknown}: unknown key "opentelemetry.endpoint"`]);
});

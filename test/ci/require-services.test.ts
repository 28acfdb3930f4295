import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { packageRoot } from '../../src/lib/index.js';

const root = packageRoot();
const helpers = join(root, 'dist/test/helpers/services.js');

/**
 * Runs a skip helper (by default skipWithout against a port nothing listens on) in a process
 * with the given env.
 */
function probe(requireServices: string | undefined, call = `await skipWithout('Redis', 'redis://127.0.0.1:1')`) {
  const code = `import { skipWithout, skipWithoutProgram } from ${JSON.stringify(helpers)};
    try { console.log('skip: ' + (${call})); } catch (err) { console.log('fail: ' + err.message); }`;
  const env = { ...process.env, PARSEC_REQUIRE_SERVICES: requireServices };
  return spawnSync(process.execPath, ['--input-type=module', '-e', code], { env, encoding: 'utf8' }).stdout;
}

it('CI turns an unreachable service into a failure, not a skip', () => {
  const ci = readFileSync(join(root, '.ci/run'), 'utf8');
  assert.match(ci, /^export PARSEC_REQUIRE_SERVICES=1$/m, '.ci/run requires the services');
  assert.ok(ci.indexOf('PARSEC_REQUIRE_SERVICES=1') < ci.indexOf('npm test'), 'before the tests run');
  assert.match(probe('1'), /^fail: Redis is not reachable at redis:\/\/127\.0\.0\.1:1 .*PARSEC_REQUIRE_SERVICES=1/);
  assert.match(probe(undefined), /^skip: Redis is not reachable/);
});

it('a missing program is a skip, and a failure when the services are required', () => {
  const missing = `skipWithoutProgram('Redis Sentinel', 'parsec-no-such-program', ['--version'], /v=/)`;
  assert.match(probe('1', missing), /^fail: Redis Sentinel is not available: `parsec-no-such-program --version` .*PARSEC_REQUIRE_SERVICES=1/);
  assert.match(probe(undefined, missing), /^skip: Redis Sentinel is not available/);
  assert.match(probe('1', `skipWithoutProgram('Node', process.execPath, ['--version'], /^v\\d+/)`), /^skip: false$/m);
});

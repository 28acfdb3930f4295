import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { packageRoot } from '../../src/lib/index.js';

const root = packageRoot();
const helpers = join(root, 'dist/test/helpers/services.js');

/** Runs skipWithout against a port nothing listens on, in a process with the given env. */
function probe(requireServices: string | undefined) {
  const code = `import { skipWithout } from ${JSON.stringify(helpers)};
    try { console.log('skip: ' + (await skipWithout('Redis', 'redis://127.0.0.1:1'))); } catch (err) { console.log('fail: ' + err.message); }`;
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

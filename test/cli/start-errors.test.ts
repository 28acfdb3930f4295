import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../../src/lib/index.js';
import { exited } from '../helpers/process.js';

const main = join(packageRoot(), 'dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'parsec-start-'));
const env = { ...process.env, PARSEC_TEST_LOG: undefined };

/** Runs `parsec serve --config` with `config`; resolves with its exit code and stderr once it exits. */
async function serve(config: object): Promise<{ code: number | null; stderr: string }> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [main, 'serve', '--config', file], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await exited(child);
  return { code, stderr };
}

describe('parsec serve: what it cannot start with is one line naming the key', () => {
  // A port held by the test, on every interface, as the server binds by default.
  const held = createServer();
  let port = 0;
  before(() => new Promise<void>((resolve) => held.listen(0, () => resolve())).then(() => (port = (held.address() as AddressInfo).port)));
  after(() => {
    held.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('http_server.port in use', async () => {
    const { code, stderr } = await serve({ http_server: { port } });
    assert.equal(code, 69);
    assert.equal(stderr, `parsec: cannot start: http_server.port: cannot listen on *:${port}: the port is already in use\n`);
  });

  it('grpc_api.port in use', async () => {
    const { code, stderr } = await serve({ http_server: { port: 0 }, grpc_api: { enabled: true, port } });
    assert.equal(code, 69);
    assert.equal(stderr, `parsec: cannot start: grpc_api.port: cannot listen on *:${port}: the port is already in use\n`);
  });

  it('engine.redis.address unreachable', async () => {
    const { code, stderr } = await serve({ http_server: { port: 0 }, engine: { type: 'redis', redis: { address: 'redis://127.0.0.1:1' } } });
    assert.equal(code, 69);
    assert.match(stderr, /^parsec: cannot start: engine\.redis\.address: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED 127\.0\.0\.1:1\n$/);
  });

  it('engine.redis.address with a host name that does not resolve: the lookup error, not "Connection is closed."', async () => {
    const { code, stderr } = await serve({ http_server: { port: 0 }, engine: { type: 'redis', redis: { address: 'redis.invalid:6379' } } });
    assert.equal(code, 69);
    assert.match(stderr, /^parsec: cannot start: engine\.redis\.address: cannot connect to Redis at redis\.invalid:6379: getaddrinfo \w+ redis\.invalid\n$/);
  });
});

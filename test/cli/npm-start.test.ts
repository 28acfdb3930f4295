import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { packageRoot } from '../../src/lib/index.js';
import { alive, exited, waitForStart } from '../helpers/process.js';
import { RawClient } from '../helpers/raw.js';
import { SECRET } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const root = packageRoot();
const dir = mkdtempSync(join(tmpdir(), 'parsec-npm-'));
const config = join(dir, 'config.json');
writeFileSync(config, JSON.stringify({ client: { token: { hmac_secret_key: SECRET } }, http_server: { address: '127.0.0.1' }, shutdown: { timeout: '5s' } }));
const env = { ...process.env, PARSEC_TEST_LOG: undefined };

/** `npm start` as an operator or a supervisor runs it, with one connected client. */
async function npmStart(t: TestContext): Promise<{ npm: ChildProcess; pid: number; port: number; client: RawClient }> {
  const npm = spawn('npm', ['start', '--', '--config', config, '--port', '0'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => npm.kill('SIGKILL'));
  const { port, pid } = await waitForStart(npm);
  t.after(() => {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  assert.notEqual(pid, npm.pid, 'the server runs as npm\'s child');
  const client = await RawClient.open(`ws://127.0.0.1:${port}/connection/websocket`);
  client.send({ id: 1, connect: { token: await connToken('ops') } });
  assert.ok((await client.reply(1)).connect);
  return { npm, pid, port, client };
}

async function portFreed(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/health`);
    return false;
  } catch {
    return true;
  }
}

describe('npm start under a supervisor', () => {
  it('a SIGTERM to the npm process stops the server gracefully: 3001 to clients, port freed, exit 0', async (t) => {
    const { npm, pid, port, client } = await npmStart(t);
    const code = exited(npm);
    npm.kill('SIGTERM');
    assert.equal((await client.closeCode()).code, 3001);
    assert.equal(await code, 0, 'npm exits with the server\'s status');
    assert.equal(alive(pid), false, 'no orphaned server');
    assert.ok(await portFreed(port));
  });

  it('a server whose npm is killed outright stops by itself instead of living on as an orphan', async (t) => {
    const { npm, pid, port, client } = await npmStart(t);
    npm.kill('SIGKILL');
    assert.equal((await client.closeCode(10_000)).code, 3001);
    await until(() => !alive(pid), 10_000, 50);
    assert.ok(await portFreed(port));
  });
});

describe('build', () => {
  const build = () => spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8', timeout: 120_000 });

  it('leaves dist/ in place: nothing to do when no source changed, stale outputs removed', (t) => {
    // `npm test` built just before this runs, so the build has nothing to compile.
    const first = build();
    assert.equal(first.status, 0, first.stderr);
    const stale = join(root, 'dist/test/cli/removed-source.test.js');
    writeFileSync(stale, '');
    writeFileSync(`${stale}.map`, '{}');
    t.after(() => rmSync(stale, { force: true }));
    const server = join(root, 'dist/src/cli/main.js');
    const again = build();
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /dist\/ is up to date/);
    assert.match(again.stdout, /removed 2 compiled file\(s\) whose source is gone/);
    assert.equal(existsSync(stale), false);
    assert.ok(existsSync(server), 'what a running server loads is still there');
  });
});

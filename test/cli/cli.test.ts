import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { packageRoot } from '../../src/lib/index.js';
import { RawClient } from '../helpers/raw.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { exited, waitForStart } from '../helpers/process.js';

const main = join(packageRoot(), 'dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'parsec-cli-'));
const env = { ...process.env, PARSEC_TEST_LOG: undefined };

function run(...args: string[]) {
  return spawnSync(process.execPath, [main, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 20_000 });
}

/** Starts `parsec serve` and resolves once it logs the port it listens on. */
async function serve(args: string[]): Promise<{ child: ChildProcess; port: number; stdout: () => string }> {
  const child = spawn(process.execPath, [main, 'serve', '--port', '0', ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const { port, output } = await waitForStart(child, (out) => !args.length || out.includes('parsec started'));
  return { child, port, stdout: output };
}

describe('parsec CLI', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('prints its version and help for every command', () => {
    const version = run('version');
    assert.equal(version.status, 0);
    assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version);
    for (const cmd of ['serve', 'genconfig', 'gentoken', 'checktoken', 'version']) {
      const help = run(cmd, '--help');
      assert.equal(help.status, 0, cmd);
      assert.match(help.stdout, /Usage: parsec/);
    }
    const bad = run('frobnicate');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command "frobnicate"/);
  });

  it('writes a config, signs a token with it and checks it', () => {
    assert.equal(run('genconfig').status, 0);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(config.client.token.hmac_secret_key.length, 64);
    assert.deepEqual({ enabled: config.admin.enabled, secret: config.admin.secret.length, password: config.admin.password.length }, { enabled: false, secret: 64, password: 16 });
    assert.equal(run('genconfig').status, 2, 'refuses to overwrite');
    const token = run('gentoken', '--user', 'alice', '--ttl', '60', '--channels', 'chat:a,chat:b');
    assert.equal(token.status, 0, token.stderr);
    const check = run('checktoken', token.stdout.trim());
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stdout, /valid: user "alice".*channels \[chat:a, chat:b\]/);
    const bad = run('checktoken', token.stdout.trim().slice(0, -4) + 'AAAA');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /invalid: signature verification failed/);
    assert.equal(run('gentoken').status, 2, '--user is required');
  });

  it('refuses an invalid config naming the key and the file', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ client: { ping_interval: 'soon' } }));
    const r = run('serve', '--config', 'bad.json');
    assert.equal(r.status, 78);
    assert.match(r.stderr, /bad\.json.*client\.ping_interval.*duration/);
  });

  it('refuses to start when the NATS broker is unreachable, naming broker.nats.url', () => {
    writeFileSync(join(dir, 'nats.json'), JSON.stringify({ broker: { enabled: true, type: 'nats', nats: { url: 'nats://127.0.0.1:1' } } }));
    const r = run('serve', '--config', 'nats.json');
    assert.equal(r.status, 69);
    assert.match(r.stderr, /^parsec: cannot start: broker\.nats\.url: cannot connect to NATS at nats:\/\/127\.0\.0\.1:1 within 1s/m);
  });

  it('serves from a config, accepts its tokens, and stops on SIGTERM with 3001 to clients', async () => {
    const { child, port } = await serve(['--config', 'config.json']);
    children.push(child);
    const token = run('gentoken', '--user', 'bob').stdout.trim();
    const client = await RawClient.open(`ws://127.0.0.1:${port}/connection/websocket`);
    client.send({ id: 1, connect: { token } });
    assert.ok((await client.reply(1)).connect);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200);
    const code = exited(child);
    child.kill('SIGTERM');
    assert.equal((await client.closeCode()).code, 3001);
    assert.equal(await code, 0);
  });

  it('starts in demo mode without a config and prints a working token', async () => {
    const { child, port, stdout } = await serve([]);
    children.push(child);
    await until(() => /Token \(user demo\): (\S+)/.test(stdout()), 5000, 50);
    const token = /Token \(user demo\): (\S+)/.exec(stdout())![1]!;
    assert.match(stdout(), new RegExp(`ws://localhost:${port}/connection/websocket`));
    const client = await RawClient.open(`ws://127.0.0.1:${port}/connection/websocket`);
    client.send({ id: 1, connect: { token } }, { id: 2, subscribe: { channel: 'chat' } }, { id: 3, publish: { channel: 'chat', data: { hi: 1 } } });
    assert.ok((await client.reply(3)).publish);
    client.close();
    // The admin UI is on, at the printed address, with the printed password.
    await until(() => /Admin UI: +(\S+) +\(password: (\S+)\)/.test(stdout()), 5000, 50);
    const [, adminUrl, password] = /Admin UI: +(\S+) +\(password: (\S+)\)/.exec(stdout())!;
    assert.equal(adminUrl, `http://localhost:${port}/`);
    const login = await fetch(`http://127.0.0.1:${port}/admin/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password }) });
    assert.equal(login.status, 200);
    const code = exited(child);
    child.kill('SIGINT');
    assert.equal(await code, 0);
  });
});

describe('parsec serve --workers', () => {
  const redis = (): object => ({ address: redisUrl, prefix: randomPrefix('workers') });
  const shared = [
    { setup: 'the Redis engine', config: () => ({ engine: { type: 'redis', redis: redis() } }) },
    { setup: 'a Redis broker and presence manager apart from a memory engine', config: () => ({ broker: { enabled: true, type: 'redis', redis: redis() }, presence_manager: { enabled: true, type: 'redis', redis: redis() } }) },
  ];
  for (const { setup, config } of shared) it(`runs several nodes on one port over ${setup}, and stops them all on SIGTERM`, async (t) => {
    const skip = await skipWithout('Redis', redisUrl);
    if (skip) return t.skip(skip);
    const key = 'workers-key';
    writeFileSync(join(dir, 'workers.json'), JSON.stringify({ ...config(), http_api: { key } }));
    const child = spawn(process.execPath, [main, 'serve', '--config', 'workers.json', '--port', '0', '--address', '127.0.0.1', '--workers', '2'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await until(() => (out.match(/parsec started/g) ?? []).length >= 2, 20_000, 100).catch(() => assert.fail(`workers did not start: ${out}`));
    const port = Number(/"port":(\d+)/.exec(out)![1]);
    let nodes = 0;
    await until(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/api/info`, { method: 'POST', headers: { 'X-API-Key': key }, body: '{}' });
      nodes = JSON.parse(await res.text()).result.nodes.length;
      return nodes >= 2;
    }, 10_000, 200).catch(() => undefined);
    assert.equal(nodes, 2);
    const code = exited(child);
    child.kill('SIGTERM');
    assert.equal(await code, 0);
  });

  it('refuses --workers on the memory engine, and with a shared broker but presence in memory', () => {
    const r = run('serve', '--config', 'config.json', '--workers', '2');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--workers needs a broker and a presence manager that processes share/);
    writeFileSync(join(dir, 'half.json'), JSON.stringify({ broker: { enabled: true, type: 'nats' } }));
    assert.equal(run('serve', '--config', 'half.json', '--workers', '2').status, 2);
  });
});

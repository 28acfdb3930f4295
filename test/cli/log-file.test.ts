import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { packageRoot } from '../../src/lib/index.js';
import { exited } from '../helpers/process.js';
import { until } from '../helpers/until.js';

const main = join(packageRoot(), 'dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'parsec-log-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function serve(config: object) {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [main, 'serve', '--config', file], { cwd: dir, env: { ...process.env, PARSEC_TEST_LOG: undefined }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

it('log.file: the log goes to the file, not stdout, up to the last line at a stop', async () => {
  const log = join(dir, 'parsec.log');
  const s = serve({ http_server: { port: 0, address: '127.0.0.1' }, log: { file: log } });
  const read = () => {
    try {
      return readFileSync(log, 'utf8');
    } catch {
      return '';
    }
  };
  await until(() => read().includes('parsec started'), 15_000);
  s.child.kill('SIGTERM');
  assert.equal(await exited(s.child), 0);
  assert.match(read(), /"msg":"stopped"/, 'the line written while stopping is in the file');
  assert.equal(s.stdout(), '', 'nothing on stdout');
});

it('log.file that cannot be written stops the start naming the key', async () => {
  const s = serve({ http_server: { port: 0 }, log: { file: join(dir, 'no-such-dir', 'parsec.log') } });
  assert.equal(await exited(s.child), 78);
  assert.match(s.stderr(), /log\.file: cannot write .*no-such-dir\/parsec\.log: ENOENT/);
});

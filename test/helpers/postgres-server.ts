import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './redis-server.js';
import { TestCa, type Issued } from './tls.js';

/** The newest PostgreSQL server binaries here (Debian keeps them apart from PATH), or undefined. */
function binaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], 'bin');
}

/** The postgres user's ids when running as root (PostgreSQL refuses to run as root), else undefined. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Why a suite needing its own PostgreSQL server cannot run here, or false when it can. */
export function skipWithoutPostgresServer(): string | false {
  if (!binaries()) return 'no PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin';
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root without a postgres user to run the server as';
  return false;
}

/**
 * A PostgreSQL server of its own on a free port of 127.0.0.1 (a new cluster in a temp
 * directory, trust authentication), accepting TLS connections only, each with a client
 * certificate from the test CA (`clientcert=verify-ca`); its server certificate is for
 * 127.0.0.1 and `serverName`.
 */
export class TlsPostgres {
  private constructor(
    readonly port: number,
    readonly ca: TestCa,
    readonly client: Issued,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  /** A DSN of the `postgres` database, with no ssl settings of its own. */
  get dsn(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(serverName: string): Promise<TlsPostgres> {
    const bin = binaries()!;
    const user = serverUser();
    const dir = mkdtempSync(join(tmpdir(), 'parsec-pg-tls-'));
    const data = join(dir, 'data');
    const own = (path: string): void => {
      if (user) chownSync(path, user.uid, user.gid);
    };
    own(dir);
    const run = (cmd: string, args: string[]): ChildProcess => spawn(join(bin, cmd), args, { stdio: 'ignore', ...(user ?? {}) });
    const exited = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => child.once('exit', resolve));
    const initdb = await exited(run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']));
    if (initdb !== 0) throw new Error(`initdb failed (${initdb})`);
    const ca = TestCa.create();
    const server = ca.server(serverName, '127.0.0.1');
    const client = ca.client('postgres');
    // The server reads its key only when the file is its own and private.
    for (const [from, name] of [[server.certFile, 'server.crt'], [server.keyFile, 'server.key'], [ca.certFile, 'ca.crt']] as const) {
      copyFileSync(from, join(data, name));
      own(join(data, name));
    }
    chmodSync(join(data, 'server.key'), 0o600);
    writeFileSync(join(data, 'pg_hba.conf'), ['hostssl all all 127.0.0.1/32 trust clientcert=verify-ca', 'hostnossl all all 0.0.0.0/0 reject', ''].join('\n'));
    own(join(data, 'pg_hba.conf'));
    const port = await freePort();
    const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: dir, ssl: 'on', ssl_cert_file: 'server.crt', ssl_key_file: 'server.key', ssl_ca_file: 'ca.crt', fsync: 'off' };
    const child = run('postgres', ['-D', data, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]);
    const pgTls = new TlsPostgres(port, ca, client, dir, child);
    await pgTls.ready();
    return pgTls;
  }

  /** Waits until a TLS connection with the client certificate is answered. */
  private async ready(ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const c = new pg.Client({ connectionString: this.dsn, ssl: { ca: this.ca.cert, cert: this.client.cert, key: this.client.key, rejectUnauthorized: false }, connectionTimeoutMillis: 1000 });
      try {
        await c.connect();
        await c.end();
        return;
      } catch (err) {
        await c.end().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`PostgreSQL on ${this.port} did not answer: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** A client of the server over TLS with the client certificate (the test's own writer). */
  connect(): pg.Client {
    return new pg.Client({ connectionString: this.dsn, ssl: { ca: this.ca.cert, cert: this.client.cert, key: this.client.key, rejectUnauthorized: false } });
  }

  async down(): Promise<void> {
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    // Fast shutdown: open sessions are ended.
    this.child.kill('SIGINT');
    await gone;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

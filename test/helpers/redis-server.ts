import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipWithoutProgram } from './services.js';
import { TestCa, type Issued } from './tls.js';
import { until } from './until.js';

/** A free TCP port on loopback (bound and released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function isOpen(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = new Socket();
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.connect(port, '127.0.0.1');
  });
}

async function waitForPort(port: number, up: boolean, ms = 5000): Promise<void> {
  await until(async () => (await isOpen(port)) === up, ms, 50).catch(() => {
    throw new Error(`port ${port} did not become ${up ? 'open' : 'closed'}`);
  });
}

/**
 * A redis-server of the test's own, on a free port, that the test may stop and start
 * again. With AOF on, data survives a restart, as with a production Redis.
 */
export class OwnRedis {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'parsec-redis-'));

  private constructor(
    readonly port: number,
    private readonly extra: string[],
  ) {}

  /** Starts one; `extra` are more redis-server arguments (e.g. `--replicaof host port`). */
  static async start(extra: string[] = []): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort(), extra);
    await r.up();
    return r;
  }

  /**
   * One that speaks TLS only, with the given certificate and key, asking every client for a
   * certificate `ca` signed when `authClients`.
   */
  static async startTls(files: { cert: string; key: string; ca: string }, authClients = true): Promise<OwnRedis> {
    const port = await freePort();
    // The later `--port 0` turns the plain port off; the TLS one takes the free port.
    const tls = ['--port', '0', '--tls-port', String(port), '--tls-cert-file', files.cert, '--tls-key-file', files.key, '--tls-ca-cert-file', files.ca];
    const r = new OwnRedis(port, [...tls, '--tls-auth-clients', authClients ? 'yes' : 'no']);
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--save', '', ...this.extra], {
      stdio: 'ignore',
    });
    await waitForPort(this.port, true);
  }

  /** Stops it; SIGKILL simulates a crash (no shutdown, no AOF flush). */
  async down(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    await waitForPort(this.port, false);
  }
}

/** A Redis Sentinel of the test's own, watching one master as `mymaster`, quick to fail over. */
export class OwnSentinel {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(masterPort: number): Promise<OwnSentinel> {
    const s = new OwnSentinel(await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'parsec-sentinel-'));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${s.port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor mymaster 127.0.0.1 ${masterPort} 1`,
        'sentinel down-after-milliseconds mymaster 1000',
        'sentinel failover-timeout mymaster 5000',
        'sentinel parallel-syncs mymaster 1',
      ].join('\n') + '\n',
    );
    s.child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    await waitForPort(s.port, true);
    return s;
  }

  async down(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

/** A three-master Redis Cluster of the test's own (no replicas), on free ports. */
export class OwnCluster {
  private constructor(readonly nodes: OwnRedis[]) {}

  static async start(): Promise<OwnCluster> {
    const nodes: OwnRedis[] = [];
    for (let i = 0; i < 3; i++) nodes.push(await OwnRedis.start(['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`, '--appendonly', 'no']));
    const addrs = nodes.map((n) => `127.0.0.1:${n.port}`);
    const r = spawnSync('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 20_000 });
    if (r.status !== 0) throw new Error(`cluster create failed: ${r.stdout}${r.stderr}`);
    // Every node must agree before a client connects: one that has not yet learnt the slots answers CLUSTERDOWN.
    let infos: string[] = [];
    await until(() => {
      infos = nodes.map((n) => spawnSync('redis-cli', ['-p', String(n.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout);
      return infos.every((i) => i.includes('cluster_state:ok'));
    }, 10_000, 100).catch(() => {
      throw new Error(`cluster not ready: ${infos.join('\n')}`);
    });
    return new OwnCluster(nodes);
  }

  get addresses(): string[] {
    return this.nodes.map((n) => `redis://127.0.0.1:${n.port}`);
  }

  async down(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.down()));
  }
}

/** Why a Redis-over-TLS suite can't run here (no redis-server, or no OpenSSL 3 to make certificates), else false. */
export function skipWithoutTlsRedis(): string | false {
  return skipWithoutProgram('redis-server', 'redis-server', ['--version'], /^Redis server v=/m) || skipWithoutProgram('openssl', 'openssl', ['version'], /^OpenSSL 3/m);
}

/**
 * A redis-server of its own on TLS only that asks clients for a certificate, its server
 * certificate made out to `serverName` (a DNS name only), with the test CA that issued it and
 * a client certificate from the same CA.
 */
export async function startTlsRedis(serverName: string): Promise<{ ca: TestCa; client: Issued; redis: OwnRedis }> {
  const ca = TestCa.create();
  const client = ca.client();
  const server = ca.server(serverName);
  const redis = await OwnRedis.startTls({ cert: server.certFile, key: server.keyFile, ca: ca.certFile });
  return { ca, client, redis };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server.js';
import { selfSigned } from './tls.js';

export const NATS_SERVER = '/usr/sbin/nats-server';

/** Why a suite needing its own nats-server cannot run here, or false when it can. */
export function skipWithoutNatsServer(): string | false {
  return existsSync(NATS_SERVER) ? false : `${NATS_SERVER} not installed`;
}

async function listening(port: number, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      }).once('error', () => resolve(false));
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A nats-server of its own on a free port of 127.0.0.1, TLS only, verifying clients: its
 * certificate and the client's are self-signed for 127.0.0.1 (each its own CA); the files
 * are in `dir` (`server.pem`). With `jetstream`, JetStream is on, stored in `dir`.
 */
export class TlsNats {
  private constructor(
    readonly url: string,
    readonly dir: string,
    readonly serverCert: { cert: string; key: string },
    readonly clientCert: { cert: string; key: string },
    private readonly child: ChildProcess,
  ) {}

  static async start(opts: { jetstream?: boolean } = {}): Promise<TlsNats> {
    const dir = mkdtempSync(join(tmpdir(), 'parsec-nats-tls-'));
    const serverCert = selfSigned();
    const clientCert = selfSigned();
    const file = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const port = await freePort();
    const conf = file(
      'nats.conf',
      [
        `listen: "127.0.0.1:${port}"`,
        ...(opts.jetstream ? [`jetstream { store_dir: "${join(dir, 'js')}" }`] : []),
        'tls {',
        `  cert_file: "${file('server.pem', serverCert.cert)}"`,
        `  key_file: "${file('server-key.pem', serverCert.key)}"`,
        `  ca_file: "${file('client-ca.pem', clientCert.cert)}"`,
        '  verify: true',
        '  timeout: 2',
        '}',
      ].join('\n'),
    );
    const child = spawn(NATS_SERVER, ['-c', conf], { stdio: 'ignore' });
    await listening(port);
    return new TlsNats(`nats://127.0.0.1:${port}`, dir, serverCert, clientCert, child);
  }

  /**
   * What a test's own NATS client (nats.js) takes to connect: the server's CA and the client
   * certificate. The chain is checked, the name not: nats.js gives Node no name for an IP.
   */
  get clientTls(): { ca: string; cert: string; key: string; checkServerIdentity: () => undefined } {
    return { ca: this.serverCert.cert, cert: this.clientCert.cert, key: this.clientCert.key, checkServerIdentity: () => undefined };
  }

  down(): void {
    this.child.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

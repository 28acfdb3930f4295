import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args);
  assert.equal(r.status, 0, r.stderr?.toString());
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A self-signed certificate for 127.0.0.1, made with openssl for this run. */
export function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'parsec-tls-'));
  openssl(['req', '-x509', ...EC_KEY, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
}

/** A certificate and its key, PEM text; `certFile`/`keyFile` hold the same on disk. */
export interface Issued {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/**
 * A certificate authority made with openssl for this run, in its own temp directory: it
 * signs server certificates (for the names given) and client certificates.
 */
export class TestCa {
  private serial = 0;

  private constructor(
    private readonly dir: string,
    /** The CA's certificate, PEM text. */
    readonly cert: string,
    /** Where `cert` is on disk. */
    readonly certFile: string,
  ) {}

  static create(name = 'Parsec Test CA'): TestCa {
    const dir = mkdtempSync(join(tmpdir(), 'parsec-ca-'));
    const certFile = join(dir, 'ca.pem');
    openssl(['req', '-x509', ...EC_KEY, '-days', '1', '-subj', `/CN=${name}`, '-keyout', join(dir, 'ca.key'), '-out', certFile]);
    return new TestCa(dir, readFileSync(certFile, 'utf8'), certFile);
  }

  /** A server certificate for `names` (IP addresses or DNS names, in subjectAltName). */
  server(...names: string[]): Issued {
    const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    return this.issue(names[0]!, [`subjectAltName=${san}`, 'extendedKeyUsage=serverAuth']);
  }

  /** A client certificate for mutual TLS. */
  client(name = 'parsec'): Issued {
    return this.issue(name, ['extendedKeyUsage=clientAuth']);
  }

  private issue(cn: string, extensions: string[]): Issued {
    const base = join(this.dir, `leaf-${++this.serial}`);
    const [keyFile, csr, certFile, ext] = [`${base}.key`, `${base}.csr`, `${base}.pem`, `${base}.ext`];
    writeFileSync(ext, `${extensions.join('\n')}\n`);
    openssl(['req', '-new', ...EC_KEY, '-subj', `/CN=${cn}`, '-keyout', keyFile, '-out', csr]);
    openssl(['x509', '-req', '-in', csr, '-CA', this.certFile, '-CAkey', join(this.dir, 'ca.key'), '-set_serial', String(this.serial), '-days', '1', '-extfile', ext, '-out', certFile]);
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
  }
}

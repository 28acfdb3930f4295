import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { JSONWebKeySet } from 'jose';

const MAX_BODY = 1 << 20;

export interface FetchJwksOptions {
  timeout: number;
  /** Extra trusted CA certificates (PEM) for an HTTPS endpoint with a private CA. */
  ca?: string;
}

/** GETs a JWKS document: bounded in time and size, and checked to be `{ keys: [...] }`. */
export function fetchJwks(endpoint: string, opts: FetchJwksOptions): Promise<JSONWebKeySet> {
  const url = new URL(endpoint);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: opts.timeout, ca: opts.ca, headers: { Accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`JWKS endpoint answered HTTP ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          req.destroy(new Error(`JWKS document larger than ${MAX_BODY} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        try {
          const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
          if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { keys?: unknown }).keys)) {
            reject(new Error('JWKS document has no "keys" array'));
            return;
          }
          resolve(doc as JSONWebKeySet);
        } catch (err) {
          reject(new Error('JWKS document is not JSON', { cause: err }));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`JWKS endpoint did not answer within ${opts.timeout} ms`)));
    req.on('error', reject);
    req.end();
  });
}

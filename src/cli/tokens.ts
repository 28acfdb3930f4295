import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { loadConfig } from '../config/index.js';
import { TokenError, TokenVerifier, signHmacConnectionToken } from '../auth/index.js';
import { systemClock } from '../lib/index.js';
import { UsageError, intOption, parse } from './args.js';

export const gentokenHelp = `Usage: parsec gentoken --user U [--ttl SECONDS] [--channels a,b] [--config FILE]

Prints an HS256 connection token signed with client.token.hmac_secret_key.

  -u, --user U          user id (sub claim); "" for an anonymous token
  -t, --ttl SECONDS     lifetime (default 3600; 0 = no expiry)
      --channels a,b    server-side subscriptions (channels claim)
  -c, --config FILE     config with the secret (default: config.json if present)
  -h, --help            this help`;

export const checktokenHelp = `Usage: parsec checktoken TOKEN [--config FILE]

Verifies a connection token against the config's keys and prints its claims.

  -c, --config FILE     config with the keys (default: config.json if present)
  -h, --help            this help`;

import { existsSync } from 'node:fs';

function configFile(flag: string | undefined): string | undefined {
  if (flag) return flag;
  return existsSync('config.json') ? 'config.json' : undefined;
}

export async function gentoken(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    user: { type: 'string', short: 'u' },
    ttl: { type: 'string', short: 't' },
    channels: { type: 'string' },
    config: { type: 'string', short: 'c' },
  });
  if (values.user === undefined) throw new UsageError('--user is required');
  const file = configFile(values.config);
  const { config } = loadConfig({ file, env: process.env });
  const secret = config.client.token.hmacSecretKey;
  if (!secret) throw new UsageError(`no client.token.hmac_secret_key in ${file ?? 'the environment'} (create a config with: parsec genconfig)`);
  const token = await signHmacConnectionToken(secret, {
    user: values.user,
    ttl: intOption(values.ttl, '--ttl', 3600),
    channels: values.channels?.split(',').map((c) => c.trim()).filter(Boolean),
    tokenId: randomUUID(),
    now: Math.floor(Date.now() / 1000),
  });
  console.log(token);
  return 0;
}

export async function checktoken(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { config: { type: 'string', short: 'c' } }, true);
  const token = positionals[0];
  if (!token || positionals.length > 1) throw new UsageError('expected exactly one TOKEN argument');
  const { config } = loadConfig({ file: configFile(values.config), env: process.env });
  const verifier = new TokenVerifier(config.client.token, systemClock, pino({ level: 'warn' }, pino.destination(2)));
  if (!verifier.configured) throw new UsageError('no token key configured (client.token.*)');
  try {
    const claims = await verifier.verifyConnection(token);
    const expires = claims.expireAt ? new Date(claims.expireAt * 1000).toISOString() : 'never';
    console.log(`valid: user "${claims.user}", expires ${expires}, channels [${[...claims.subs.keys()].join(', ')}]`);
    const text = (b: Uint8Array | undefined): unknown => {
      if (!b) return undefined;
      try {
        return JSON.parse(Buffer.from(b).toString('utf8')) as unknown;
      } catch {
        return { b64: Buffer.from(b).toString('base64') };
      }
    };
    const details = { user: claims.user, expire_at: claims.expireAt || undefined, jti: claims.tokenId, iat: claims.issuedAt, info: text(claims.info), meta: text(claims.meta) };
    console.log(JSON.stringify(details, null, 2));
    return 0;
  } catch (err) {
    if (err instanceof TokenError) {
      console.error(`${err.kind}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { parse } from './args.js';
import { UsageError } from './args.js';

export const genconfigHelp = `Usage: parsec genconfig [--output FILE] [--force]

Writes a minimal config with fresh random secrets (HMAC token key, API key, and
the admin UI's password and secret: set admin.enabled to true to serve it).

  -o, --output FILE   where to write (default config.json)
  -f, --force         overwrite an existing file
  -h, --help          this help`;

export function genconfig(argv: string[]): number {
  const { values } = parse(argv, { output: { type: 'string', short: 'o' }, force: { type: 'boolean', short: 'f' } });
  const file = values.output ?? 'config.json';
  if (existsSync(file) && !values.force) throw new UsageError(`${file} exists; use --force to overwrite`);
  const config = {
    http_server: { port: 8000 },
    client: {
      token: { hmac_secret_key: randomBytes(32).toString('hex') },
      allowed_origins: ['http://localhost:3000'],
    },
    http_api: { key: randomBytes(24).toString('hex') },
    admin: { enabled: false, password: randomBytes(12).toString('base64url'), secret: randomBytes(32).toString('hex') },
    channel: {
      without_namespace: {
        allow_subscribe_for_client: true,
        presence: true,
        allow_presence_for_subscriber: true,
      },
      namespaces: [
        {
          name: 'chat',
          presence: true,
          join_leave: true,
          history_size: 100,
          history_ttl: '300s',
          force_recovery: true,
          allow_subscribe_for_client: true,
          allow_publish_for_subscriber: true,
          allow_presence_for_subscriber: true,
          allow_history_for_subscriber: true,
        },
      ],
    },
  };
  writeFileSync(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  console.log(`wrote ${file}`);
  return 0;
}

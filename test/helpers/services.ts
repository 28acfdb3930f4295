import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';

/** The services tests use: PARSEC_TEST_*_URL, else the machine's own. */
export const redisUrl = process.env.PARSEC_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const natsUrl = process.env.PARSEC_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A key or subject prefix no other run shares. */
export const randomPrefix = (name: string): string => `parsec-test-${name}-${randomBytes(4).toString('hex')}`;

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(1000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.connect(Number(port), hostname);
  });
}

/**
 * Whether a suite needing an external service should be skipped: false when the service
 * answers. When it does not, the suite is skipped loudly — or, under
 * PARSEC_REQUIRE_SERVICES=1 (as CI sets), this throws and the suite fails.
 */
export async function skipWithout(service: string, url: string): Promise<string | false> {
  if (await reachable(url)) return false;
  return skipLoudly(`${service} is not reachable at ${url} (set PARSEC_TEST_${service.toUpperCase()}_URL)`);
}

/**
 * The same for a suite that starts its own processes: false when `command ...args` runs and
 * prints something matching `expect` (e.g. a version, or a subcommand's help).
 */
export function skipWithoutProgram(what: string, command: string, args: string[], expect: RegExp): string | false {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  if (!r.error && expect.test(`${r.stdout}${r.stderr}`)) return false;
  const why = r.error ? r.error.message : 'unexpected output';
  return skipLoudly(`${what} is not available: \`${[command, ...args].join(' ')}\` (${why}); install it or put it on PATH`);
}

function skipLoudly(message: string): string {
  if (process.env.PARSEC_REQUIRE_SERVICES === '1') throw new Error(`${message} (PARSEC_REQUIRE_SERVICES=1)`);
  console.warn(`\n*** SKIPPING: ${message} ***\n`);
  return message;
}

export const postgresUrl = process.env.PARSEC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

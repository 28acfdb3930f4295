import { connect } from 'nats';

/** The NATS server tests use: PARSEC_TEST_NATS_URL, else the machine's own. */
export const natsUrl = process.env.PARSEC_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A subject prefix no other test run shares. */
export function testPrefix(): string {
  return `parsec-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Why tests that need NATS must be skipped, or false when NATS answers. With
 * PARSEC_REQUIRE_SERVICES=1 an absent NATS is a failure instead of a skip.
 */
export async function natsSkip(): Promise<string | false> {
  try {
    const nc = await connect({ servers: natsUrl, timeout: 1000 });
    await nc.close();
    return false;
  } catch (err) {
    const why = `NATS not reachable at ${natsUrl} (${(err as Error).message}); set PARSEC_TEST_NATS_URL, or PARSEC_REQUIRE_SERVICES=1 to fail instead`;
    if (process.env.PARSEC_REQUIRE_SERVICES === '1') throw new Error(why, { cause: err });
    process.stderr.write(`\n*** SKIPPING NATS TESTS: ${why} ***\n\n`);
    return why;
  }
}

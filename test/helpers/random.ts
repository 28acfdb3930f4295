import { randomInt } from 'node:crypto';

/** mulberry32: a small PRNG whose whole state is its seed, so a run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs a test body on random input from a fresh seed, or from PARSEC_TEST_SEED to replay
 * one; a failure names the seed that produced it.
 */
export function withSeed<T>(body: (random: () => number) => T): T {
  const seed = process.env.PARSEC_TEST_SEED ? Number(process.env.PARSEC_TEST_SEED) : randomInt(2 ** 31);
  try {
    return body(seededRandom(seed));
  } catch (err) {
    throw new Error(`failed with random input; replay with PARSEC_TEST_SEED=${seed}`, { cause: err });
  }
}

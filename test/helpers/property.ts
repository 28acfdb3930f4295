import fc from 'fast-check';

/**
 * Runs a fast-check property with the project's seed convention: PARSEC_TEST_SEED replays
 * a run, and a failure names the seed and the shrunk counterexample (fast-check's report).
 */
export function checkProperty<Ts>(property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>, numRuns = 300): void | Promise<void> {
  const seed = process.env.PARSEC_TEST_SEED ? Number(process.env.PARSEC_TEST_SEED) : undefined;
  const params: fc.Parameters<Ts> = { numRuns, ...(seed === undefined ? {} : { seed }) };
  return fc.assert(property as fc.IProperty<Ts>, params);
}

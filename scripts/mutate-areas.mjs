// The areas `npm run mutate` covers: sources to mutate and the compiled test files that
// may kill their mutants (each mutant runs only those of them that reach its code).

export const areas = {
  filter: {
    mutate: ['src/filter/**/*.ts'],
    tests: ['dist/test/filter/*.test.js'],
  },
  auth: {
    mutate: ['src/auth/**/*.ts'],
    tests: [
      'dist/test/auth/*.test.js',
      'dist/test/api/http-api-jwks.test.js',
      'dist/test/e2e/idp-tokens.test.js',
      'dist/test/e2e/hmac-rotation.test.js',
      'dist/test/e2e/token-broker.test.js',
    ],
  },
  broker: {
    mutate: ['src/broker/authorizer.ts', 'src/broker/patterns.ts', 'src/broker/*-revocations.ts', 'src/node/cluster/revocation.ts'],
    tests: ['dist/test/broker/*.test.js', 'dist/test/e2e/token-broker.test.js', 'dist/test/e2e/token-broker-cluster.test.js'],
  },
  refresh: {
    mutate: ['src/node/session/refresh-handlers.ts', 'src/node/session/token-outcomes.ts', 'src/node/session/proxy-refresh.ts'],
    // sdk-client reaches these files too, but at minutes per mutant on 2 cores; the two
    // suites below are the ones written to pin what a refresh does.
    tests: ['dist/test/e2e/session-expiry.test.js', 'dist/test/e2e/refresh-refusals.test.js', 'dist/test/e2e/proxy.test.js'],
  },
};


// The areas `npm run mutate` covers: sources to mutate and the compiled test files that
// may kill their mutants (each mutant runs only those of them that reach its code).

export const areas = {
  filter: {
    mutate: ['src/filter/**/*.ts'],
    tests: ['dist/test/filter/*.test.js'],
  },
  auth: {
    // Narrowed to the HMAC token check (signature, header, claims) and the suites that
    // reach it. All of src/auth is 538 mutants, and bearer-auth.ts with hmac-jwt.ts still
    // 248, whose Bearer mutants run the JWKS suites at half a minute each: hours on 2
    // shared cores. bearer-auth.ts, token-verifier.ts, api-auth.ts, jwks.ts, claims.ts and
    // the signing / ACL / label helpers go back in when a quieter machine can run them.
    mutate: ['src/auth/hmac-jwt.ts'],
    tests: ['dist/test/auth/*.test.js', 'dist/test/e2e/hmac-rotation.test.js'],
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


/*
 * Histogram buckets and summary objectives as Centrifugo declares them, so dashboards and
 * alerts written for Centrifugo read Parsec's series the same way.
 */

/** Prometheus' default buckets (client_golang `DefBuckets`): API and proxy durations. */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The centrifuge library's client command (and ping/pong) buckets: 100 µs to 10 s. */
export const COMMAND_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The centrifuge library's broadcast buckets: 1 µs to 10 s. */
export const BROADCAST_BUCKETS = [0.000001, 0.000005, 0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The centrifuge library's survey buckets (1 ms to 10 s), used for fleet-wide operations too. */
export const SURVEY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Centrifugo's summaries: quantiles 0.5, 0.99 and 0.999 over the last 10 minutes in 5
 * age buckets (client_golang's `DefMaxAge` and `DefAgeBuckets`).
 */
export const SUMMARY = { percentiles: [0.5, 0.99, 0.999], maxAgeSeconds: 600, ageBuckets: 5 } as const;

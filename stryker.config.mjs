// StrykerJS settings for one area (PARSEC_MUTATE_AREA, set by scripts/mutate.mjs).
// Run through `npm run mutate -- <area>`.
import { areas } from './scripts/mutate-areas.mjs';

const area = process.env.PARSEC_MUTATE_AREA ?? 'filter';
const { mutate, tests } = areas[area];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  mutate,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${area}.json` },
  htmlReporter: { fileName: `reports/mutation/${area}.html` },
  testRunner: 'tap',
  tap: { testFiles: tests, forceBail: true },
  // dist/ is built inside Stryker's sandbox from the instrumented sources.
  buildCommand: 'node scripts/build.mjs --force',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 60000,
  timeoutFactor: 2,
  ignorePatterns: ['dist', 'reports', 'bench', '.stryker-tmp'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  incremental: false,
};

#!/usr/bin/env node
// Mutation testing with StrykerJS, one area at a time: the area's sources are mutated
// (all mutants compiled in at once, switched on one by one), dist/ is built from the
// instrumented copy, and each mutant runs only the test files that reach its code.
// Slow on 2 cores: not part of `npm test`. Scores are recorded in TESTING.md.
//
// Usage: npm run mutate -- <area> [more stryker flags]   (areas: see below; "all" runs each)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { areas } from './mutate-areas.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const [name = '', ...rest] = process.argv.slice(2);
const chosen = name === 'all' ? Object.keys(areas) : [name];
if (!chosen.every((a) => a in areas)) {
  console.error(`usage: npm run mutate -- <area> [stryker flags]; areas: ${Object.keys(areas).join(', ')}, all`);
  process.exit(64);
}

let failed = false;
for (const area of chosen) {
  const args = ['stryker', 'run', 'stryker.config.mjs', ...rest];
  // stryker.config.mjs reads the area to set sources, test files and report names.
  const env = { ...process.env, PARSEC_MUTATE_AREA: area };
  console.log(`\n== mutation testing: ${area} ==`);
  const r = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env });
  failed ||= r.status !== 0;
}
process.exit(failed ? 1 : 0);

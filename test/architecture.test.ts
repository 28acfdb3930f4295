import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';
import { packageRoot } from '../src/lib/index.js';

/**
 * The import direction of shared/docs/style.md §2, checked on every file in src/.
 * `lib` (leaf helpers) and `config` (the typed config) are readable from every area
 * below them, `metrics` (a leaf) from every area that counts and `telemetry` (tracing, over
 * config only) from every area that traces; everything else only as
 * the table says.
 */
const allowed: Record<string, string[]> = {
  lib: [],
  protocol: [],
  metrics: [],
  config: ['lib'],
  telemetry: ['config'],
  filter: ['lib'],
  auth: ['protocol', 'config', 'lib'],
  'engine/types': ['protocol', 'config', 'lib'],
  engine: ['engine/types', 'protocol', 'config', 'lib'],
  proxy: ['protocol', 'config', 'metrics', 'telemetry', 'lib'],
  moderation: ['engine/types', 'config', 'lib'],
  node: ['protocol', 'auth', 'filter', 'proxy', 'engine/types', 'moderation', 'metrics', 'lib', 'config'],
  transport: ['node', 'protocol', 'lib', 'config'],
  api: ['node', 'auth', 'filter', 'moderation', 'protocol', 'metrics', 'telemetry', 'lib', 'config'],
  broker: ['auth', 'node', 'metrics', 'lib', 'config', 'protocol'],
  admin: ['node', 'api', 'metrics', 'lib', 'config'],
  consumers: ['api', 'metrics', 'telemetry', 'lib', 'config'],
  cli: ['config', 'app', 'auth', 'lib'],
  app: ['*'],
};

const srcRoot = join(packageRoot(), 'src');

/** The area a source path belongs to (engine/types.ts, engine/map-types.ts, engine/errors.ts and engine/index.ts are the engine contract). */
function areaOf(file: string): string {
  const rel = relative(srcRoot, file).replace(/\.(ts|js)$/, '');
  if (rel === 'app') return 'app';
  if (rel === 'engine/types' || rel === 'engine/map-types' || rel === 'engine/errors' || rel === 'engine/index') return 'engine/types';
  return rel.split('/')[0]!;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

it('src/ imports follow the architecture table', () => {
  const violations: string[] = [];
  for (const file of tsFiles(srcRoot)) {
    const from = areaOf(file);
    const rules = allowed[from];
    assert.ok(rules, `no architecture rule for area "${from}" (${relative(srcRoot, file)})`);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)) {
      const target = areaOf(resolve(dirname(file), m[1]!));
      if (target === from || rules.includes('*') || rules.includes(target)) continue;
      violations.push(`${relative(srcRoot, file)} → ${m[1]} (${from} may not import ${target})`);
    }
  }
  assert.deepEqual(violations, []);
});

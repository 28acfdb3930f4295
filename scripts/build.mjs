#!/usr/bin/env node
// Builds dist/ from src/, test/ and bench/ without ever removing dist/ as a whole: a
// server already running from this checkout keeps its files while `npm start` or
// `npm test` builds. When no source is newer than the last build, tsc is not run at
// all, so a start with nothing changed is ready in well under a second of build time;
// otherwise tsc compiles incrementally (dist/.tsbuildinfo). Outputs whose source was
// deleted are removed, so a deleted test does not keep running from dist/.
//
// The admin UI (ui/) is type-checked and bundled by esbuild into dist/ui/ the same way:
// skipped when nothing under ui/ is newer than its last bundle.
//
// Usage: node scripts/build.mjs [--force]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
const sourceDirs = ['src', 'test', 'bench'];
// Inputs besides the sources that change what tsc emits.
const configFiles = ['tsconfig.json', 'package-lock.json'];

/** Every file under `dir`, as paths relative to `base`. */
function walk(dir, base, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, base, out);
    else out.push(relative(base, path));
  }
  return out;
}

const sources = sourceDirs.flatMap((d) => walk(join(root, d), root)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
const outputOf = (source) => join(dist, source.replace(/\.ts$/, '.js'));

const force = process.argv.includes('--force');
const outputsPresent = sources.every((s) => existsSync(outputOf(s)));

function upToDate() {
  if (force || !outputsPresent || !existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  for (const f of [...sources, ...configFiles]) {
    const path = join(root, f);
    if (existsSync(path) && statSync(path).mtimeMs > built) return false;
  }
  return true;
}

/** Removes compiled files (and their maps) whose TypeScript source no longer exists. */
function prune() {
  const wanted = new Set(sources.map((s) => s.replace(/\.ts$/, '')));
  let removed = 0;
  for (const d of sourceDirs) {
    for (const f of walk(join(dist, d), dist)) {
      const stem = f.replace(/\.js(\.map)?$/, '');
      if (stem !== f && !wanted.has(stem)) {
        rmSync(join(dist, f));
        removed++;
      }
    }
  }
  if (removed > 0) process.stdout.write(`build: removed ${removed} compiled file(s) whose source is gone\n`);
}

if (upToDate()) {
  process.stdout.write('build: dist/ is up to date\n');
} else {
  // The stamp is taken before compiling, so a source saved during the compile is seen as newer next time.
  const started = new Date();
  // tsc's incremental state does not notice deleted outputs: without it, tsc emits everything.
  if (force || !outputsPresent) rmSync(join(dist, '.tsbuildinfo'), { force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(stamp, '');
  utimesSync(stamp, started, started);
}
prune();
await buildUi();

/** Bundles ui/ into dist/ui/ (index.html, app.js, app.css) unless it is up to date. */
async function buildUi() {
  const uiDir = join(root, 'ui');
  const out = join(dist, 'ui');
  const uiStamp = join(out, '.build-stamp');
  const inputs = [...walk(uiDir, root), 'package-lock.json', 'scripts/build.mjs'];
  const outputs = ['index.html', 'app.js', 'app.css'].map((f) => join(out, f));
  if (!force && existsSync(uiStamp) && outputs.every((f) => existsSync(f))) {
    const built = statSync(uiStamp).mtimeMs;
    if (inputs.every((f) => !existsSync(join(root, f)) || statSync(join(root, f)).mtimeMs <= built)) {
      process.stdout.write('build: dist/ui/ is up to date\n');
      return;
    }
  }
  const started = new Date();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const check = spawnSync(process.execPath, [tsc, '-p', join(uiDir, 'tsconfig.json')], { stdio: 'inherit' });
  if (check.status !== 0) process.exit(check.status ?? 1);
  const esbuild = await import('esbuild');
  mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: { app: join(uiDir, 'src', 'main.tsx') },
    bundle: true,
    format: 'esm',
    minify: true,
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: out,
    legalComments: 'none',
    logLevel: 'warning',
  });
  copyFileSync(join(uiDir, 'index.html'), join(out, 'index.html'));
  const gz = outputs.reduce((n, f) => n + gzipSync(readFileSync(f)).length, 0);
  process.stdout.write(`build: admin UI bundled into dist/ui/ (${(gz / 1024).toFixed(1)} KB gzipped)\n`);
  writeFileSync(uiStamp, '');
  utimesSync(uiStamp, started, started);
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root: compiled code runs from `dist/src/lib/`, sources from `src/lib/`. */
export function packageRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes('/dist/') ? here.slice(0, here.lastIndexOf('/dist/')) : here.replace(/\/src\/lib\/?$/, '');
}

let version: string | undefined;

/** Parsec's version, from package.json. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }).version;
  return version;
}

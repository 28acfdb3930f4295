import { fileURLToPath } from 'node:url';

/**
 * Absolute path of a file under the package's `proto/` folder. Compiled code runs from
 * `dist/src/protocol/`, sources from `src/protocol/`; both sit a fixed distance below
 * the package root, which is found by walking up to the folder that holds `proto/`.
 */
export function protoPath(name: string): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = here.includes('/dist/') ? here.slice(0, here.lastIndexOf('/dist/')) : here.replace(/\/src\/protocol\/?$/, '');
  return `${root}/proto/${name}`;
}

import type { z } from 'zod';
import { notYetSupported, v5Keys } from './schema.js';
import { arrayElement, formatPath, isRaw, objectShape, type Raw } from './walk.js';

/** One warning per key the schema doesn't know; recognised Centrifugo features get a softer notice. */
export function unknownKeyWarnings(schema: z.ZodType, raw: Raw, file: string): string[] {
  const warnings: string[] = [];
  const visit = (s: z.ZodType, value: unknown, path: Array<string | number>): void => {
    const shape = objectShape(s);
    if (shape && isRaw(value)) {
      for (const [key, child] of Object.entries(value)) {
        const here = [...path, key];
        if (shape[key]) {
          visit(shape[key], child, here);
          continue;
        }
        warnings.push(describe(here, key, file));
      }
      return;
    }
    const element = arrayElement(s);
    if (element && Array.isArray(value)) value.forEach((item, i) => visit(element, item, [...path, i]));
  };
  visit(schema, raw, []);
  return warnings;
}

function describe(path: Array<string | number>, key: string, file: string): string {
  const at = formatPath(path);
  const parent = path.length === 1 ? 'top' : path[0] === 'client' && path.length === 2 ? 'client' : path[0] === 'channel' && path.length === 2 ? 'channel' : path[0] === 'channel' && (path[1] === 'without_namespace' || path[1] === 'namespaces') ? 'namespace' : '';
  const soft =
    (parent === 'top' && (notYetSupported.topLevel as readonly string[]).includes(key)) ||
    (parent === 'client' && (notYetSupported.client as readonly string[]).includes(key)) ||
    (parent === 'channel' && (notYetSupported.channel as readonly string[]).includes(key)) ||
    (parent === 'namespace' && (notYetSupported.namespace as readonly string[]).includes(key));
  if (soft) return `${file}: "${at}" is recognised but not supported yet; ignored`;
  if (parent === 'top' && v5Keys[key]) return `${file}: "${key}" is a Centrifugo v5 key; in v6 it is "${v5Keys[key]}" (ignored)`;
  return `${file}: unknown key "${at}" (ignored)`;
}

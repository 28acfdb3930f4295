import type { z } from 'zod';
import { notYetSupported, v5Keys } from './schema.js';
import { arrayElement, formatPath, isRaw, objectShape, type Raw } from './walk.js';

/**
 * One warning per key the schema doesn't know; recognised Centrifugo features get a
 * softer notice, one per feature key however many namespaces use it.
 */
export function unknownKeyWarnings(schema: z.ZodType, raw: Raw, file: string): string[] {
  const warnings: string[] = [];
  const soft = new Map<string, string[]>();
  const visit = (s: z.ZodType, value: unknown, path: Array<string | number>): void => {
    const shape = objectShape(s);
    if (shape && isRaw(value)) {
      for (const [key, child] of Object.entries(value)) {
        const here = [...path, key];
        if (shape[key]) {
          visit(shape[key], child, here);
          continue;
        }
        const notice = describe(here, key);
        if (notice.soft) soft.set(key, [...(soft.get(key) ?? []), formatPath(here)]);
        else warnings.push(`${file}: ${notice.text}`);
      }
      return;
    }
    const element = arrayElement(s);
    if (element && Array.isArray(value)) value.forEach((item, i) => visit(element, item, [...path, i]));
  };
  visit(schema, raw, []);
  for (const [key, paths] of soft) {
    const where = paths.length > 3 ? `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more` : paths.join(', ');
    warnings.push(`${file}: "${key}" (${where}) is recognised but not supported yet; ignored`);
  }
  return warnings;
}

function describe(path: Array<string | number>, key: string): { soft: boolean; text: string } {
  const at = formatPath(path);
  const parent = path.length === 1 ? 'top' : path[0] === 'client' && path.length === 2 ? 'client' : path[0] === 'channel' && path.length === 2 ? 'channel' : path[0] === 'channel' && (path[1] === 'without_namespace' || path[1] === 'namespaces') ? 'namespace' : '';
  const soft =
    (parent === 'top' && (notYetSupported.topLevel as readonly string[]).includes(key)) ||
    (parent === 'client' && (notYetSupported.client as readonly string[]).includes(key)) ||
    (parent === 'channel' && (notYetSupported.channel as readonly string[]).includes(key)) ||
    (parent === 'namespace' && (notYetSupported.namespace as readonly string[]).includes(key));
  if (soft) return { soft, text: '' };
  if (parent === 'top' && v5Keys[key]) return { soft, text: `"${key}" is a Centrifugo v5 key; in v6 it is "${v5Keys[key]}" (ignored)` };
  return { soft, text: `unknown key "${at}" (ignored)` };
}

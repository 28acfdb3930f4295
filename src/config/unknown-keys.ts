import type { z } from 'zod';
import { isNotSupportedYet } from './not-supported.js';
import { V5_KEYS } from './v5-keys.js';
import { arrayElement, formatPath, isRaw, objectShape } from './walk.js';

/**
 * Warnings for keys the schema does not know, never errors: one per unknown key (with a
 * "did you mean" when a known key is close), one per Centrifugo v5 key, and one per top-level
 * section for recognised Centrifugo keys that Parsec does not support yet.
 * `label` is the file as given or `env VAR`; `at` is where `value` sits in the whole config.
 */
export function unknownKeyWarnings(schema: z.ZodType, value: unknown, label: string, at: Array<string | number> = []): string[] {
  const warnings: string[] = [];
  // Top-level section → recognised keys in it, as `channel.namespaces[*].map`, in file order.
  const recognised = new Map<string, Set<string>>();
  const visit = (node: z.ZodType, v: unknown, path: Array<string | number>): void => {
    const shape = objectShape(node);
    if (shape && isRaw(v)) {
      for (const [key, child] of Object.entries(v)) {
        const here = [...path, key];
        if (Object.hasOwn(shape, key)) visit(shape[key]!, child, here);
        else if (isNotSupportedYet(here)) {
          const section = String(here[0]);
          const keys = recognised.get(section) ?? new Set<string>();
          keys.add(formatPath(here).replace(/\[\d+\]/g, '[*]'));
          recognised.set(section, keys);
        } else if (here.length === 1 && V5_KEYS.has(key)) {
          warnings.push(`${label}: "${key}" is a Centrifugo v5 key; Parsec reads v6, where it is "${V5_KEYS.get(key)}" (ignored)`);
        } else {
          const near = closest(key, Object.keys(shape));
          const hint = near === undefined ? '' : `; did you mean "${formatPath([...path, near])}"?`;
          warnings.push(`${label}: unknown key "${formatPath(here)}"${hint}`);
        }
      }
      return;
    }
    const element = arrayElement(node);
    if (element && Array.isArray(v)) v.forEach((item, i) => visit(element, item, [...path, i]));
  };
  visit(schema, value, at);
  for (const keys of recognised.values()) {
    const list = [...keys].map((k) => `"${k}"`).join(', ');
    warnings.push(`${label}: ${list} ${keys.size === 1 ? 'is' : 'are'} recognised but not supported yet (ignored)`);
  }
  return warnings;
}

/** The known key within edit distance 2 of a misspelt one (and closer than half its length), if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.ceil(key.length / 2));
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

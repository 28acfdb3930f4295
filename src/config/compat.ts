import { z } from 'zod';
import { CENTRIFUGO_KEYS } from './centrifugo-keys.js';
import { isNotSupportedYet } from './not-supported.js';
import { checkRules } from './rules.js';
import { configSchema } from './schema.js';
import { arrayElement, objectShape, unwrap, type Raw } from './walk.js';

/*
 * The compatibility table: every Centrifugo v6 key (src/config/centrifugo-keys.ts, read from
 * Centrifugo's config structs) classified by the loader's own tables: the schema (supported),
 * the recognised-but-not-supported sets (ignored with a notice), and the rules, probed with each
 * value a key can take (refused at start, with the rule's reason). Nothing here is written by
 * hand, so the table follows the loader.
 */

export type KeyStatus = 'supported' | 'recognised' | 'unknown';

export interface KeyRow {
  key: string;
  status: KeyStatus;
  /** The values an enumerated key takes, when the schema lists them. */
  values?: readonly string[];
  /** Values the config accepts as a type but refuses at start, with the reason. */
  refused: Array<{ value: unknown; reason: string }>;
}

/** `channel.namespaces[].presence` → `['channel', 'namespaces', 0, 'presence']`. */
function pathOf(key: string): Array<string | number> {
  return key.split('.').flatMap((part) => (part.endsWith('[]') ? [part.slice(0, -2), 0] : [part]));
}

/** The schema at a path, following array elements; `stop` is the first part the schema has no key for. */
function locate(path: ReadonlyArray<string | number>): { schema?: z.ZodType; stop?: number } {
  let s: z.ZodType = configSchema;
  for (const [i, part] of path.entries()) {
    if (typeof part === 'number') {
      const element = arrayElement(s);
      if (!element) return { schema: s };
      s = element;
      continue;
    }
    const shape = objectShape(s);
    // A key under a value the schema takes whole (a map, a list of strings) belongs to that value.
    if (!shape) return { schema: s };
    if (!Object.hasOwn(shape, part)) return { stop: i };
    s = shape[part]!;
  }
  return { schema: s };
}

/** `{type}` for an element whose required `type` enumeration names the settings section `section`. */
function typeFor(shape: Readonly<Record<string, z.ZodType>>, section: string | number | undefined): Raw {
  const type = shape.type && unwrap(shape.type);
  if (!(type instanceof z.ZodEnum) || typeof section !== 'string') return {};
  return (type.options as unknown[]).includes(section) ? { type: section } : {};
}

/** A raw config with `value` at `path`; array elements get a `name` when their schema wants one. */
function rawWith(path: ReadonlyArray<string | number>, value: unknown): Raw {
  const raw: Raw = {};
  let target: Raw = raw;
  let schema: z.ZodType = configSchema;
  for (const [i, part] of path.entries()) {
    if (typeof part === 'number') continue;
    const shape = objectShape(schema)!;
    schema = shape[part]!;
    if (i === path.length - 1) {
      target[part] = value;
      // A switched section's type (`broker.type`) is probed switched on, as rules skip disabled sections.
      if (part === 'type' && i > 0 && Object.hasOwn(shape, 'enabled')) target.enabled = true;
    } else if (typeof path[i + 1] === 'number') {
      schema = arrayElement(schema)!;
      const shape = objectShape(schema) ?? {};
      // Named elements need a name; a switched one (`consumers[]`) is probed switched on, as rules skip disabled ones;
      // a typed one gets the type whose settings the key is in (`consumers[].postgresql.…` → `type: postgresql`).
      const element: Raw = {
        ...(Object.hasOwn(shape, 'name') ? { name: 'probe' } : {}),
        ...(Object.hasOwn(shape, 'enabled') ? { enabled: true } : {}),
        ...typeFor(shape, path[i + 2]),
      };
      target[part] = [element];
      target = element;
    } else {
      const next: Raw = {};
      target[part] = next;
      target = next;
    }
  }
  return raw;
}

/** What the loader says to `value` at `path`: the reason when a rule refuses it as not supported. */
function refusal(path: ReadonlyArray<string | number>, value: unknown): string | undefined {
  const parsed = configSchema.safeParse(rawWith(path, value));
  if (!parsed.success) return undefined;
  const broken = checkRules(parsed.data);
  const key = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(1).replaceAll('.[', '[');
  return broken && broken.key === key && /not supported/i.test(broken.detail) ? broken.detail : undefined;
}

/** The values worth probing at a leaf: true for a switch, each option of an enumeration. */
function probes(schema: z.ZodType): { values?: readonly string[]; probe: unknown[] } {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodBoolean) return { probe: [true] };
  if (inner instanceof z.ZodEnum) {
    const values = (inner.options as unknown[]).map(String);
    return { values, probe: values };
  }
  return { probe: [] };
}

/** Every Centrifugo v6 key and what Parsec does with it. */
export function compatibilityRows(): KeyRow[] {
  return CENTRIFUGO_KEYS.map((key): KeyRow => {
    const path = pathOf(key);
    const { schema, stop } = locate(path);
    if (schema) {
      const { values, probe } = probes(schema);
      const refused = probe.flatMap((value) => {
        const reason = refusal(path, value);
        return reason ? [{ value, reason }] : [];
      });
      return { key, status: 'supported', ...(values ? { values } : {}), refused };
    }
    // The loader's unknown-key walk stops at the first key the schema lacks and asks there.
    return { key, status: isNotSupportedYet(path.slice(0, stop! + 1)) ? 'recognised' : 'unknown', refused: [] };
  });
}

/** Parsec's own keys, which Centrifugo does not have: the schema's leaves outside Centrifugo's list. */
export function parsecOnlyKeys(): string[] {
  const centrifugo = new Set(CENTRIFUGO_KEYS);
  const out: string[] = [];
  const visit = (s: z.ZodType, prefix: string): void => {
    const shape = objectShape(s);
    if (shape) {
      for (const [k, child] of Object.entries(shape)) visit(child, prefix ? `${prefix}.${k}` : k);
      return;
    }
    const element = arrayElement(s);
    if (element && objectShape(element)) return visit(element, `${prefix}[]`);
    if (!centrifugo.has(prefix)) out.push(prefix);
  };
  visit(configSchema, '');
  return out;
}

const STATUS_TEXT: Record<KeyStatus, string> = {
  supported: 'supported',
  recognised: 'recognised, not supported yet: ignored with a notice',
  unknown: 'not supported: warned as an unknown key and ignored',
};

const code = (v: unknown): string => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;

function describe(row: KeyRow): string {
  if (row.status !== 'supported') return STATUS_TEXT[row.status];
  const refused = new Set(row.refused.map((r) => String(r.value)));
  const values = row.values ? `: ${row.values.filter((v) => !refused.has(v)).map(code).join(', ')}` : '';
  const refusedText = row.refused.length > 0 ? `; ${row.refused.map((r) => code(r.value)).join(', ')} refused at start` : '';
  return `supported${values}${refusedText}`;
}

/** The counts and the refused values: the README's part of the table (`linked`: pointing to the whole table). */
export function compatibilitySummary(rows: readonly KeyRow[] = compatibilityRows(), linked = true): string {
  const count = (s: KeyStatus): number => rows.filter((r) => r.status === s).length;
  const refused = rows.flatMap((r) => r.refused.map((x) => `| \`${r.key}\` | ${code(x.value)} | ${x.reason} |`));
  return [
    `Of Centrifugo v6's ${rows.length} config keys, Parsec supports ${count('supported')}, recognises ${count('recognised')} it does not support yet ` +
      `(ignored with a "recognised but not supported yet" notice) and does not know ${count('unknown')} (an "unknown key" warning); ` +
      `a config with such keys still starts.${linked ? ' Every key is listed in [COMPATIBILITY.md](COMPATIBILITY.md).' : ''} These values stop the start:`,
    '',
    '| key | value | why |',
    '|---|---|---|',
    ...refused,
  ].join('\n');
}

/** The whole table, for COMPATIBILITY.md. */
export function compatibilityDocument(rows: readonly KeyRow[] = compatibilityRows()): string {
  return [
    '# Centrifugo v6 configuration keys in Parsec',
    '',
    '<!-- Generated by `npm run compat-table`; do not edit. -->',
    '',
    "Every key of Centrifugo v6's config (listed in `src/config/centrifugo-keys.ts` from Centrifugo's config structs by `scripts/centrifugo-keys.mjs`), " +
      "classified by Parsec's config loader itself: the schema (`src/config/schema.ts`), the keys it recognises but does not support yet " +
      '(`src/config/not-supported.ts`), and its start checks, tried with every value of each switch and enumeration. `[]` is an element of a list. ' +
      'Values of an enumerated key outside the listed ones are refused at start with the accepted values.',
    '',
    compatibilitySummary(rows, false),
    '',
    '## Every key',
    '',
    '| key | Parsec |',
    '|---|---|',
    ...rows.map((r) => `| \`${r.key}\` | ${describe(r)} |`),
    '',
    '## Parsec keys Centrifugo does not have',
    '',
    'Described in the README, next to the feature they belong to (`client.rate_limit` is a Centrifugo PRO key).',
    '',
    '<details><summary>The list</summary>',
    '',
    ...parsecOnlyKeys().map((k) => `- \`${k}\``),
    '',
    '</details>',
    '',
  ].join('\n');
}

const START = '<!-- compat-table:start (generated by `npm run compat-table`; do not edit) -->';
const END = '<!-- compat-table:end -->';

/** The README with `summary` between its compat-table markers. */
export function withSummary(readme: string, summary: string): string {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no "${START}" … "${END}" region`);
  return `${readme.slice(0, from + START.length)}\n${summary}\n${readme.slice(to)}`;
}

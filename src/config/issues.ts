import type { z } from 'zod';
import { show } from './show.js';
import { V5_KEYS } from './v5-keys.js';
import { formatPath, isRaw, type Raw } from './walk.js';

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
};

/** What a schema issue means to the person who wrote the value: what was expected, and what was there. */
export function describeIssue(issue: z.core.$ZodIssue, raw: Raw): string {
  const key = formatPath(issue.path);
  const got = `got ${show(issue.input, key)}`;
  return namespaceContext(issue.path, raw) + expectation(issue, got) + v5Hint(issue);
}

function expectation(issue: z.core.$ZodIssue, got: string): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      return issue.input === undefined ? `missing; expected ${expected}` : `expected ${expected}, ${got}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, ${got}`;
    case 'too_small':
      return issue.origin === 'string' ? `expected a non-empty string, ${got}` : `expected at least ${String(issue.minimum)}, ${got}`;
    case 'too_big':
      return `expected at most ${String(issue.maximum)}, ${got}`;
    case 'custom':
      // Our custom checks word their own expectation; a missing value has nothing to show.
      return issue.input === undefined ? issue.message : `${issue.message}, ${got}`;
    default:
      return `${issue.message}, ${got}`;
  }
}

/** `namespace "chat": ` for an issue inside `channel.namespaces[i]`, so the reader finds the entry by name. */
function namespaceContext(path: ReadonlyArray<PropertyKey>, raw: Raw): string {
  if (path[0] !== 'channel' || path[1] !== 'namespaces' || typeof path[2] !== 'number' || path.length < 4) return '';
  const channel = raw['channel'];
  const namespaces = isRaw(channel) ? channel['namespaces'] : undefined;
  const entry: unknown = Array.isArray(namespaces) ? namespaces[path[2]] : undefined;
  const name = isRaw(entry) ? entry['name'] : undefined;
  return typeof name === 'string' ? `namespace ${JSON.stringify(name)}: ` : '';
}

// `engine: "redis"`, `health: true` and `prometheus: true` are v5 spellings of v6 sections.
function v5Hint(issue: z.core.$ZodIssue): string {
  const [key] = issue.path;
  if (issue.path.length !== 1 || typeof key !== 'string' || issue.code !== 'invalid_type' || issue.expected !== 'object') return '';
  const v6 = V5_KEYS.get(key);
  return v6 ? ` (that is the Centrifugo v5 form; in v6 write "${v6}")` : '';
}

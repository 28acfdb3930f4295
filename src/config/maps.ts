import { z } from 'zod';
import { ConfigError, ConfigErrorCode } from './errors.js';
import { describeIssue } from './issues.js';
import { show } from './show.js';
import { arrayElement, formatPath, isRaw, objectShape, unwrap, type Raw } from './walk.js';

/*
 * Map-valued keys (`static_headers`, `static_metadata`, `api_keys`…) as Centrifugo decodes
 * them (configtypes.MapStringString): an object, or a list of `{"key", "value"}` objects, the
 * form its docs recommend because it keeps the case of keys and allows dots in them. In a
 * string → string map, `${CENTRIFUGO_VAR_<NAME>}` in a value is replaced by that variable;
 * other `${…}` stay as written, and keys are never expanded.
 */

// Centrifugo's own pattern: only this prefix, so a header value may contain `${…}` literally.
const VARIABLE = /\$\{(CENTRIFUGO_VAR_[^}]+)\}/g;

type Path = ReadonlyArray<PropertyKey>;

/**
 * Rewrites every map-valued key of `raw` into its object form, with variables expanded,
 * ready for the schema. `sourceOf` names where a key's value came from (file, `env VAR`).
 * @throws ConfigError naming the key and its source for a malformed list entry, a duplicate
 * key, a value that does not fit, or a `CENTRIFUGO_VAR_` variable that is not set.
 */
export function normalizeMaps(schema: z.ZodType, raw: Raw, env: NodeJS.ProcessEnv, sourceOf: (key: string) => string | null): void {
  const fail = (path: Path, detail: string): ConfigError => {
    const key = formatPath(path);
    return new ConfigError(ConfigErrorCode.invalid, key, sourceOf(key), detail);
  };

  const visit = (node: z.ZodType, value: unknown, path: Path): unknown => {
    const inner = unwrap(node);
    if (inner instanceof z.ZodRecord) return toMap(inner.valueType as z.ZodType, value, path);
    const shape = objectShape(node);
    if (shape && isRaw(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (Object.hasOwn(shape, key)) value[key] = visit(shape[key]!, child, [...path, key]);
      }
      return value;
    }
    const element = arrayElement(node);
    if (element && Array.isArray(value)) return value.map((item, i) => visit(element, item, [...path, i]));
    return value;
  };

  const toMap = (valueType: z.ZodType, value: unknown, path: Path): unknown => {
    let map: Raw;
    if (isRaw(value)) map = value;
    else if (Array.isArray(value)) map = fromList(valueType, value, path);
    else throw fail(path, `expected an object or a list of {"key": …, "value": …}, got ${show(value, formatPath(path))}`);
    if (unwrap(valueType) instanceof z.ZodString) expand(map, path);
    return map;
  };

  const fromList = (valueType: z.ZodType, list: readonly unknown[], path: Path): Raw => {
    const entries: Array<[string, unknown]> = [];
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
      const at = [...path, i];
      if (!isRaw(item)) throw fail(at, `expected {"key": …, "value": …}, got ${show(item, formatPath(at))}`);
      const key = item['key'];
      if (typeof key !== 'string') throw fail([...at, 'key'], key === undefined ? 'missing; expected a string' : `expected a string, got ${show(key, '')}`);
      const earlier = seen.get(key);
      if (earlier !== undefined) throw fail([...at, 'key'], `duplicate key ${JSON.stringify(key)} (also at [${earlier}])`);
      seen.set(key, i);
      const checked = valueType.safeParse(item['value'], { reportInput: true });
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        const where = [...at, 'value', ...issue.path];
        throw fail(where, describeIssue({ ...issue, path: where }, {}));
      }
      entries.push([key, item['value']]);
    });
    // fromEntries defines own properties, so a "__proto__" key stays a plain key.
    return Object.fromEntries(entries);
  };

  const expand = (map: Raw, path: Path): void => {
    for (const [key, value] of Object.entries(map)) {
      // A value of the wrong type is the schema's to report, with its own message.
      if (typeof value !== 'string') continue;
      // All variables are checked before any is replaced, as Centrifugo does.
      for (const [, name] of value.matchAll(VARIABLE)) {
        if (env[name!] === undefined) throw fail(path, `environment variable ${name} is not set (used in the value of ${JSON.stringify(key)})`);
      }
      map[key] = value.replace(VARIABLE, (_, name: string) => env[name]!);
    }
  };

  visit(schema, raw, []);
}

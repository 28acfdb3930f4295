/** `history_meta_ttl` → `historyMetaTtl`, as a type. */
type Camel<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;

/** The object type with its snake_case keys renamed to camelCase. */
export type CamelKeys<T> = { [K in keyof T & string as Camel<K>]: T[K] };

const camel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Renames one object's keys (not nested ones: each schema section renames its own). */
export function camelKeys<T extends object>(o: T): CamelKeys<T> {
  // TypeScript cannot follow a rename through Object.fromEntries; Camel<K> is the same
  // rename as `camel`, so the cast restates what the line does.
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v])) as CamelKeys<T>;
}

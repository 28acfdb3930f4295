/** A label filter as the server API takes it (FilterNode). */
export interface FilterNode {
  op?: 'and' | 'or';
  nodes?: FilterNode[];
  key?: string;
  cmp?: string;
  val?: string;
  vals?: string[];
}

export interface Condition {
  key: string;
  cmp: 'eq' | 'neq' | 'in' | 'nin' | 'ex' | 'nex';
  value: string;
}

export const CMPS: Array<{ cmp: Condition['cmp']; label: string }> = [
  { cmp: 'eq', label: 'equals' },
  { cmp: 'neq', label: 'not equals' },
  { cmp: 'in', label: 'is one of' },
  { cmp: 'nin', label: 'is none of' },
  { cmp: 'ex', label: 'exists' },
  { cmp: 'nex', label: 'does not exist' },
];

const leaf = (c: Condition): FilterNode => {
  if (c.cmp === 'in' || c.cmp === 'nin') return { key: c.key, cmp: c.cmp, vals: c.value.split(',').map((v) => v.trim()).filter(Boolean) };
  if (c.cmp === 'ex' || c.cmp === 'nex') return { key: c.key, cmp: c.cmp };
  return { key: c.key, cmp: c.cmp, val: c.value };
};

/** Conditions joined by `and`/`or`; undefined when there are none. */
export function toFilter(conds: Condition[], join: 'and' | 'or'): FilterNode | undefined {
  const leaves = conds.filter((c) => c.key.trim() !== '').map(leaf);
  if (leaves.length === 0) return undefined;
  return leaves.length === 1 ? leaves[0] : { op: join, nodes: leaves };
}

export function FilterBuilder({ conds, join, onChange }: { conds: Condition[]; join: 'and' | 'or'; onChange: (conds: Condition[], join: 'and' | 'or') => void }) {
  const set = (i: number, patch: Partial<Condition>) => onChange(conds.map((c, j) => (j === i ? { ...c, ...patch } : c)), join);
  return (
    <fieldset class="filter">
      <legend>Labels</legend>
      {conds.length > 1 ? (
        <label class="inline">
          Match{' '}
          <select value={join} onChange={(e) => onChange(conds, (e.currentTarget as HTMLSelectElement).value as 'and' | 'or')} aria-label="Combine conditions">
            <option value="and">all conditions (and)</option>
            <option value="or">any condition (or)</option>
          </select>
        </label>
      ) : null}
      {conds.map((c, i) => (
        <div class="row cond" key={i}>
          <input aria-label={`Label key ${i + 1}`} placeholder="key, e.g. region" value={c.key} onInput={(e) => set(i, { key: (e.currentTarget as HTMLInputElement).value })} />
          <select aria-label={`Comparison ${i + 1}`} value={c.cmp} onChange={(e) => set(i, { cmp: (e.currentTarget as HTMLSelectElement).value as Condition['cmp'] })}>
            {CMPS.map((o) => (
              <option value={o.cmp} key={o.cmp}>
                {o.label}
              </option>
            ))}
          </select>
          {c.cmp === 'ex' || c.cmp === 'nex' ? null : (
            <input
              aria-label={`Label value ${i + 1}`}
              placeholder={c.cmp === 'in' || c.cmp === 'nin' ? 'a, b, c' : 'value'}
              value={c.value}
              onInput={(e) => set(i, { value: (e.currentTarget as HTMLInputElement).value })}
            />
          )}
          <button type="button" class="ghost" aria-label={`Remove condition ${i + 1}`} onClick={() => onChange(conds.filter((_, j) => j !== i), join)}>
            ✕
          </button>
        </div>
      ))}
      <button type="button" class="ghost" onClick={() => onChange([...conds, { key: '', cmp: 'eq', value: '' }], join)}>
        + Add condition
      </button>
    </fieldset>
  );
}

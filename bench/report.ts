import type { TargetKind } from './targets.js';

/** Markdown table output with each figure's ratio to the ws baselines of the same run. */
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const ms = (n: number): string => n.toFixed(1);

export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/**
 * `value` as a ratio to the same figure of the naive and the pre-framed ws baselines
 * (rows matched by `same`).
 */
export function ratios<R extends { kind: TargetKind }>(rows: R[], row: R, value: (r: R) => number, same: (a: R, b: R) => boolean = () => true): [string, string] {
  const base = (kind: TargetKind): string => {
    const b = rows.find((r) => r.kind === kind && same(r, row));
    return b && value(b) > 0 ? `${(value(row) / value(b)).toFixed(2)}×` : 'n/a';
  };
  return [base('ws-naive'), base('ws-preframed')];
}

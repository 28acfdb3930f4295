import type * as preact from 'preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { ApiFailure } from './api.js';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> {what}…
    </p>
  );
}

/** A failed call with the server's message; a method this server lacks says so plainly. */
export function Failure({ error, what }: { error: ApiFailure | undefined; what?: string }) {
  if (!error) return null;
  if (error.unavailable) {
    return (
      <div class="note unavailable" role="status">
        <strong>Not available on this server</strong>
        {what ? ` — ${what}` : ''}: {error.message}
      </div>
    );
  }
  return (
    <div class="note error" role="alert">
      <strong>Error{error.code ? ` ${error.code}` : error.status ? ` (HTTP ${error.status})` : ''}:</strong> {error.message}
    </div>
  );
}

export function Done({ text }: { text: string }) {
  return text ? (
    <div class="note ok" role="status">
      {text}
    </div>
  ) : null;
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <header class="card-head">
        <h2>{title}</h2>
        {actions ? <div class="card-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

/** A modal question; Escape or Cancel closes it. Focus goes to Cancel, the safe choice. */
export function Confirm({ title, children, confirmLabel, danger, onConfirm, onCancel }: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="dialog-title" onCancel={(e) => (e.preventDefault(), onCancel())}>
      <h2 id="dialog-title">{title}</h2>
      <div class="dialog-body">{children}</div>
      <div class="row end">
        <button type="button" autofocus onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class={danger ? 'danger' : 'primary'} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="muted empty">{children}</p>;
}

export const fmtTime = (ms: number | string | undefined): string => {
  if (ms === undefined || ms === '' || ms === 0) return '—';
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toLocaleString();
};

export function fmtDuration(seconds: number): string {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export const fmtBytes = (n: number): string =>
  n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} B`;

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</pre>;
}

/** The first array of objects in a result of unknown shape (`{blocks: […]}`, `{sessions: […]}`…). */
export function rowsOf(result: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(result)) return result as Array<Record<string, unknown>>;
  if (typeof result !== 'object' || result === null) return [];
  for (const v of Object.values(result)) if (Array.isArray(v)) return v as Array<Record<string, unknown>>;
  return [];
}

/** A field's value as text; `*_at` numbers are times (Unix seconds or ms, 0 = none). */
const cell = (key: string, v: unknown): string => {
  if (v === undefined || v === null || v === '') return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  if (typeof v === 'number' && key.endsWith('_at')) return v === 0 ? '—' : new Date(v < 1e11 ? v * 1000 : v).toLocaleString();
  return String(v);
};

/** A table of rows whose fields are not known in advance; columns in first-seen order. */
export function AutoTable({ rows, label, actions }: { rows: Array<Record<string, unknown>>; label: string; actions?: (row: Record<string, unknown>) => preact.ComponentChildren }) {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return (
    <div class="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            {cols.map((c) => (
              <th key={c}>{c.replaceAll('_', ' ')}</th>
            ))}
            {actions ? (
              <th>
                <span class="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {cols.map((c) => (
                <td key={c} data-label={c.replaceAll('_', ' ')}>
                  {cell(c, r[c])}
                </td>
              ))}
              {actions ? <td class="row-actions"><div>{actions(r)}</div></td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

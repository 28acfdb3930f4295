/**
 * Connection labels: a small string→string map a connection carries (from its token's
 * `labels` claim or the connect proxy) and fleet operations select by. Bounded so a
 * token cannot make the label index or the control plane carry arbitrary data.
 */
export type Labels = Readonly<Record<string, string>>;

export const MAX_LABELS = 32;
export const MAX_LABEL_KEY_BYTES = 64;
export const MAX_LABEL_VALUE_BYTES = 256;

const KEY = /^[A-Za-z0-9_.:/-]+$/;

/** Why a labels map was refused; the message names the label. */
export class LabelsError extends Error {
  override readonly name = 'LabelsError';
  readonly code = 'PARSEC_BAD_LABELS';
}

/** Checks a decoded `labels` value; returns it as Labels or throws LabelsError. */
export function parseLabels(value: unknown): Labels {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LabelsError('labels must be an object of strings');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_LABELS) throw new LabelsError(`labels has ${entries.length} entries, at most ${MAX_LABELS} allowed`);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of entries) {
    if (!KEY.test(k) || Buffer.byteLength(k) > MAX_LABEL_KEY_BYTES) {
      throw new LabelsError(`label key ${JSON.stringify(k.slice(0, 80))} must be 1-${MAX_LABEL_KEY_BYTES} bytes of letters, digits and _ . : / -`);
    }
    if (typeof v !== 'string') throw new LabelsError(`label "${k}" must be a string`);
    if (Buffer.byteLength(v) > MAX_LABEL_VALUE_BYTES) throw new LabelsError(`label "${k}" is longer than ${MAX_LABEL_VALUE_BYTES} bytes`);
    out[k] = v;
  }
  return out;
}

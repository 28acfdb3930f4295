// Values under these keys are credentials (or sections holding them, like `client.token`):
// a message says such a value was wrong, never what it was.
const SECRET = /(^|_)(key|secret|password|token)$/;

/**
 * A value as a message shows it after "got": short strings as they are (`got 42x`), other
 * strings quoted, structures as truncated JSON, secrets hidden. `key` is the dotted key path.
 */
export function show(value: unknown, key: string): string {
  if (value === undefined) return 'nothing';
  if (SECRET.test(key.slice(key.lastIndexOf('.') + 1))) return '(a hidden value)';
  if (typeof value === 'string' && /^[^\s"'`,]{1,60}$/.test(value)) return value;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

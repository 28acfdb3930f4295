/**
 * A channel (or user id) pattern: `*` matches any run of characters, `{user}` the caller's
 * id taken literally; everything else matches itself.
 */
export function compilePattern(pattern: string): (value: string, user: string) => boolean {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const parts = pattern.split('{user}').map((p) => p.split('*').map(escape).join('.*'));
  if (parts.length === 1) {
    const re = new RegExp(`^${parts[0]}$`, 's');
    return (value) => re.test(value);
  }
  // The user id goes in escaped, so "a*" as a user id can't widen what the pattern grants.
  return (value, user) => new RegExp(`^${parts.join(escape(user))}$`, 's').test(value);
}

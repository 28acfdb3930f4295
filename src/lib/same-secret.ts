import { timingSafeEqual } from 'node:crypto';

/** Whether a presented secret equals the configured one, in time that does not depend on where they differ. */
export function sameSecret(presented: string, expected: string): boolean {
  const x = Buffer.from(presented);
  const y = Buffer.from(expected);
  return x.length === y.length && timingSafeEqual(x, y);
}

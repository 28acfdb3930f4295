import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A CLI usage error: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'PARSEC_USAGE';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with every error turned into a UsageError naming the flag (`--help` is handled by main). */
export function parse<T extends Options>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function intOption(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag}: expected a non-negative integer, got "${value}"`);
  return n;
}

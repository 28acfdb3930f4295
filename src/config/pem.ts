import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';

/** A PEM from its text or its file; a file that can't be read stops the start naming the key. */
export function pem(text: string, file: string, key: string): Buffer {
  if (text) return Buffer.from(text);
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError('PARSEC_CONFIG_UNREADABLE', key, null, `cannot read ${file}: ${(err as Error).message}`);
  }
}

/** A PEM as Centrifugo takes it: the text itself, a file path, or base64 of the text. */
export function pemData(value: string, key: string): Buffer {
  if (value.includes('-----BEGIN')) return Buffer.from(value);
  if (existsSync(value)) return pem('', value, key);
  const decoded = Buffer.from(value, 'base64');
  if (decoded.includes('-----BEGIN')) return decoded;
  throw new ConfigError('PARSEC_CONFIG_UNREADABLE', key, null, 'expected PEM text, the path of a readable PEM file, or base64 of PEM text');
}

import { readFileSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import { parseDocument, type YAMLError } from 'yaml';
import { ConfigError, ConfigErrorCode } from './errors.js';
import { jsonErrorOffset, lineColumn } from './json-location.js';
import { dropNulls, isRaw, type Raw } from './walk.js';

export interface FileContent {
  raw: Raw;
  /** Parser warnings (YAML only), already labelled with the file. */
  warnings: string[];
}

/**
 * Reads a config file: YAML for `.yaml`/`.yml`, TOML for `.toml`, JSON otherwise. `label` is
 * the file as the user named it, used in every message.
 * @throws ConfigError `PARSEC_CONFIG_UNREADABLE` when it cannot be read, `PARSEC_CONFIG_INVALID`
 * with the line and column when it does not parse or is not an object.
 */
export function readConfigFile(path: string, label: string): FileContent {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error && 'code' in err ? String(err.code) : String(err);
    throw new ConfigError(ConfigErrorCode.unreadable, '', label, `cannot read the file (${reason})`, { cause: err });
  }
  // Editors on Windows may start a UTF-8 file with a byte order mark, which no parser here wants.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const { value, warnings } = parse(path, text, label);
  if (value === undefined || value === null) return { raw: {}, warnings };
  if (!isRaw(value)) {
    throw new ConfigError(ConfigErrorCode.invalid, '', label, `expected an object at the top level, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return { raw: dropNulls(value), warnings };
}

function parse(path: string, text: string, label: string): { value: unknown; warnings: string[] } {
  const ext = path.slice(path.lastIndexOf('.')).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return yaml(text, label);
  return { value: ext === '.toml' ? toml(text, label) : json(text, label), warnings: [] };
}

function invalid(label: string, format: string, line: number, column: number, detail: string, cause?: unknown): ConfigError {
  return new ConfigError(ConfigErrorCode.invalid, '', label, `invalid ${format} at line ${line}, column ${column}: ${detail}`, { cause });
}

function json(text: string, label: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const offset = jsonErrorOffset(text);
    // The scanner and V8 agree on valid JSON; should they ever not, point at the end rather than nowhere.
    const at = offset < 0 ? text.length : offset;
    const { line, column } = lineColumn(text, at);
    const detail = at >= text.length ? 'unexpected end of file' : `unexpected ${JSON.stringify(text[at])}`;
    throw invalid(label, 'JSON', line, column, detail, err);
  }
}

function yaml(text: string, label: string): { value: unknown; warnings: string[] } {
  const doc = parseDocument(text);
  const describe = (e: YAMLError): { line: number; column: number; detail: string } => {
    const pos = e.linePos?.[0];
    // With pretty errors the message repeats the position and quotes the file; keep the first clause.
    const detail = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return { line: pos?.line ?? 1, column: pos?.col ?? 1, detail };
  };
  const [first] = doc.errors;
  if (first) {
    const { line, column, detail } = describe(first);
    throw invalid(label, 'YAML', line, column, detail, first);
  }
  const warnings = doc.warnings.map((w) => {
    const { line, column, detail } = describe(w);
    return `${label}: line ${line}, column ${column}: ${detail}`;
  });
  return { value: doc.toJS() as unknown, warnings };
}

function toml(text: string, label: string): unknown {
  try {
    return parseToml(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const detail = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    throw invalid(label, 'TOML', err.line, err.column, detail, err);
  }
}

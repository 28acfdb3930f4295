/*
 * A strict parser for the Prometheus text exposition format (0.0.4), for tests that scrape
 * `/metrics`: every line must be a well-formed comment, TYPE/HELP or sample; a sample must
 * belong to a family declared by TYPE before it; series must be unique. Anything else fails
 * the test with the line number, so a malformed exposition cannot pass unnoticed.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The series name as written (`x_bucket`, `x_sum`…). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<MetricType, string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

function number(text: string, line: number): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  // prom-client writes `Nan`; Prometheus reads values with Go's ParseFloat, which takes NaN in any case.
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value ${JSON.stringify(text)}`);
  return Number(text);
}

/** Reads `{a="x",b="y"}` from `text` at `pos`; returns the labels and the index after `}`. */
function labelsAt(text: string, pos: number, line: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = pos + 1;
  const fail = (why: string): never => {
    throw new Error(`line ${line}: ${why}: ${text}`);
  };
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i);
    if (eq < 0) fail('label without "="');
    const name = text.slice(i, eq);
    if (!LABEL.test(name)) fail(`bad label name ${JSON.stringify(name)}`);
    if (name in labels) fail(`label ${name} twice`);
    if (text[eq + 1] !== '"') fail('label value not quoted');
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) fail('unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const e = text[j + 1];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else fail('bad escape in label value');
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail('expected "," or "}" after a label');
  }
  return [labels, i + 1];
}

/** Parses an exposition into its families by name. Throws on anything malformed. */
export function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seriesSeen = new Set<string>();
  const lines = text.split('\n');
  if (lines[lines.length - 1] !== '') throw new Error('exposition does not end with a newline');
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    if (raw === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
      let f = families.get(name);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`line ${line}: bad type ${rest}`);
        if (f && f.samples.length > 0) throw new Error(`line ${line}: TYPE of ${name} after its samples`);
        if (f && f.type !== 'untyped') throw new Error(`line ${line}: second TYPE for ${name}`);
        if (f) f.type = rest as MetricType;
        else families.set(name, { name, type: rest as MetricType, help: '', samples: [] });
      } else {
        if (!f) families.set(name, (f = { name, type: 'untyped', help: '', samples: [] }));
        f.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      }
      return;
    }
    const nameEnd = raw.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`line ${line}: not a sample: ${raw}`);
    const name = raw.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
    let labels: Record<string, string> = {};
    let rest = nameEnd;
    if (raw[nameEnd] === '{') [labels, rest] = labelsAt(raw, nameEnd, line);
    const parts = raw.slice(rest).trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2 || parts[0] === '') throw new Error(`line ${line}: expected a value (and a timestamp): ${raw}`);
    const value = number(parts[0]!, line);
    const family = [...families.values()].find((f) => SUFFIXES[f.type].some((s) => f.name + s === name));
    if (!family) throw new Error(`line ${line}: sample ${name} of no family declared by TYPE`);
    if (family.type === 'histogram' && name.endsWith('_bucket') && labels.le === undefined) throw new Error(`line ${line}: bucket without le`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seriesSeen.has(key)) throw new Error(`line ${line}: series twice: ${raw}`);
    seriesSeen.add(key);
    family.samples.push({ name, labels, value });
  });
  return families;
}

/** A parsed scrape with lookups by series name and label subset. */
export class Scrape {
  readonly families: Map<string, Family>;

  constructor(text: string) {
    this.families = parsePrometheus(text);
  }

  /** Every sample of series `name` whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): Sample[] {
    const out: Sample[] = [];
    for (const f of this.families.values()) {
      for (const s of f.samples) {
        if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) out.push(s);
      }
    }
    return out;
  }

  /** The sum over the matching series; 0 when none matches (a counter not yet touched). */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((sum, s) => sum + s.value, 0);
  }

  type(family: string): MetricType | undefined {
    return this.families.get(family)?.type;
  }
}

/** GETs `<httpUrl><path>` and parses it. */
export async function scrape(httpUrl: string, path = '/metrics'): Promise<Scrape> {
  const res = await fetch(`${httpUrl}${path}`);
  if (res.status !== 200) throw new Error(`scrape ${path}: HTTP ${res.status}`);
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain') || !type.includes('version=0.0.4')) throw new Error(`scrape ${path}: content type ${type}`);
  return new Scrape(await res.text());
}

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * Top frames of a `.cpuprofile` written by `--profile`: the share of busy samples (idle left
 * out) each function takes by itself (self) and with what it calls (inclusive), functions
 * named by name, file and line. `--match` keeps the rows whose name matches (e.g. `src/` for
 * the server's own code in the inclusive list). `--window` counts only the samples from the
 * first to the last whose stack holds a frame of that name (e.g. `handleUpgrade` for a connect
 * storm, `flushAll` for a fan-out): start-up and the set-up before the load are left out.
 *
 *   node dist/bench/profile-summary.js /tmp/prof/CPU.….cpuprofile [--top 20] [--match src/] [--window handleUpgrade]
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

export interface FrameShare {
  frame: string;
  /** Fraction of busy samples, 0–1. */
  share: number;
}

export interface ProfileSummary {
  busySamples: number;
  idleSamples: number;
  self: FrameShare[];
  inclusive: FrameShare[];
}

/** Idle and the profiler's own bookkeeping are not work the server did. */
const NOT_BUSY = new Set(['(idle)']);

function frameName(f: CallFrame): string {
  const file = f.url.split('/').slice(-2).join('/');
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
}

/** The stack of a node, innermost first, as frame names. */
function stackOf(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): string[] {
  const names: string[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) names.push(frameName(byId.get(at)!.callFrame));
  return names;
}

/** The samples from the first to the last whose stack holds a frame named `window` (all of them without one). */
function windowed(profile: CpuProfile, byId: Map<number, ProfileNode>, parent: Map<number, number>, window: string | undefined): number[] {
  if (window === undefined) return profile.samples;
  const holds = new Map<number, boolean>();
  const inWindow = (id: number): boolean => {
    let h = holds.get(id);
    if (h === undefined) holds.set(id, (h = stackOf(id, byId, parent).some((f) => f.startsWith(`${window} `) || f === window)));
    return h;
  };
  const first = profile.samples.findIndex(inWindow);
  if (first < 0) throw new Error(`no sample has a frame named ${window}`);
  const last = profile.samples.findLastIndex(inWindow);
  return profile.samples.slice(first, last + 1);
}

/** Self and inclusive shares of every function in the profile (or its window), largest first. */
export function summarizeProfile(profile: CpuProfile, window?: string): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>();
  for (const s of windowed(profile, byId, parent, window)) hits.set(s, (hits.get(s) ?? 0) + 1);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, count] of hits) {
    const node = byId.get(id)!;
    if (NOT_BUSY.has(node.callFrame.functionName)) {
      idle += count;
      continue;
    }
    busy += count;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + count);
    // A recursive function counts once per sample in its inclusive share.
    for (const n of new Set(stackOf(id, byId, parent))) inclusive.set(n, (inclusive.get(n) ?? 0) + count);
  }
  const ranked = (m: Map<string, number>): FrameShare[] =>
    [...m].sort((a, b) => b[1] - a[1]).map(([frame, count]) => ({ frame, share: busy > 0 ? count / busy : 0 }));
  return { busySamples: busy, idleSamples: idle, self: ranked(self), inclusive: ranked(inclusive) };
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '20' }, match: { type: 'string' }, window: { type: 'string' } } });
  if (positionals.length === 0) throw new Error('usage: profile-summary <file.cpuprofile>… [--top N] [--match TEXT] [--window FUNCTION]');
  const top = Number(values.top);
  const keep = (f: FrameShare): boolean => values.match === undefined || f.frame.includes(values.match);
  const rows = (list: FrameShare[]): string => list.filter(keep).slice(0, top).map((f) => `| ${(100 * f.share).toFixed(1)}% | \`${f.frame}\` |`).join('\n');
  for (const file of positionals) {
    const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, values.window);
    console.log(`## ${file}\n\n${s.busySamples} busy samples, ${s.idleSamples} idle\n`);
    console.log(`Self time:\n\n| share | frame |\n|---|---|\n${rows(s.self)}\n`);
    console.log(`Inclusive:\n\n| share | frame |\n|---|---|\n${rows(s.inclusive)}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();

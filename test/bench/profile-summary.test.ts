import assert from 'node:assert/strict';
import { it } from 'node:test';
import { summarizeProfile } from '../../bench/profile-summary.js';

const frame = (id: number, functionName: string, children: number[] = []) => ({ id, callFrame: { functionName, url: '', lineNumber: 0 }, children });

/** root → main → {work, idle}, work → helper; samples in time order. */
const profile = {
  nodes: [frame(1, '(root)', [2, 5]), frame(2, 'main', [3]), frame(3, 'work', [4]), frame(4, 'helper'), frame(5, '(idle)')],
  samples: [2, 5, 3, 4, 4, 5, 2, 3],
};

it('profile summary: self and inclusive shares of busy samples, idle left out', () => {
  const s = summarizeProfile(profile);
  assert.equal(s.busySamples, 6);
  assert.equal(s.idleSamples, 2);
  assert.deepEqual(s.self.map((f) => [f.frame, f.share]), [['main', 2 / 6], ['work', 2 / 6], ['helper', 2 / 6]]);
  assert.deepEqual(Object.fromEntries(s.inclusive.map((f) => [f.frame, f.share])), { '(root)': 1, main: 1, work: 4 / 6, helper: 2 / 6 });
});

it('profile summary: a window keeps the samples from the first to the last holding a frame', () => {
  const s = summarizeProfile(profile, 'helper');
  // Samples 3..4 (both `helper`): nothing before the first or after the last.
  assert.equal(s.busySamples, 2);
  assert.throws(() => summarizeProfile(profile, 'absent'), /no sample has a frame named absent/);
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { applyDelta } from 'fossil-delta';
import { keyedDeltas } from '../../../src/node/channels/map-delta.js';
import type { Publication } from '../../../src/protocol/index.js';

const value = (k: string, n: number): Uint8Array => Buffer.from(JSON.stringify({ k, n, text: 'x'.repeat(100) }));

it('recovered map changes: each key its own delta chain, removals whole and ending the chain', () => {
  const pubs: Publication[] = [
    { key: 'a', data: value('a', 1), offset: 1 },
    { key: 'b', data: value('b', 1), offset: 2 },
    { key: 'a', data: value('a', 2), offset: 3 },
    { key: 'a', data: new Uint8Array(0), removed: true, offset: 4 },
    { key: 'a', data: value('a', 3), offset: 5 },
  ];
  const binary = keyedDeltas(pubs, false);
  assert.deepEqual(binary.map((p) => p.delta ?? false), [false, false, true, false, false]);
  assert.deepEqual(Buffer.from(applyDelta(value('a', 1), binary[2]!.data)), Buffer.from(value('a', 2)));
  const json = keyedDeltas(pubs, true);
  // JSON clients read values and patches as strings.
  assert.equal(JSON.parse(Buffer.from(json[0]!.data).toString()), Buffer.from(value('a', 1)).toString());
  const patch = Buffer.from(JSON.parse(Buffer.from(json[2]!.data).toString()) as string);
  assert.equal(Buffer.from(applyDelta(value('a', 1), patch)).toString(), Buffer.from(value('a', 2)).toString());
  assert.equal(json[3]!.data.length, 0);
});

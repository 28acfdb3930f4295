import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newClientId, newSessionId } from '../../src/lib/index.js';

describe('ids', () => {
  it('are random UUID v4s, distinct across many pools of random bytes', () => {
    const ids = Array.from({ length: 1000 }, () => newClientId());
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(ids).size, ids.length);
    // The free positions vary over 1000 draws (a stuck byte would not).
    for (const pos of [0, 9, 15, 20, 35]) assert.ok(new Set(ids.map((id) => id[pos])).size >= 4, `position ${pos} varies`);
    assert.notEqual(newSessionId(), newSessionId());
  });
});

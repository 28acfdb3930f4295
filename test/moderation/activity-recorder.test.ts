import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { ActivityRecorder, MemoryActivityStore } from '../../src/moderation/index.js';
import { ManualClock } from '../helpers/clock.js';

/** The end of a session the recorder buffers (one it was not handed a slot for). */
const end = (r: ActivityRecorder, client: string): void => r.sessionEnded(-1, client, 1, 3000, '');

function recorder(store: MemoryActivityStore, maxBuffered: number): ActivityRecorder {
  return new ActivityRecorder({ store, clock: new ManualClock(), log: pino({ level: 'silent' }), retention: 60_000, maxBuffered });
}

describe('activity recorder', () => {
  it('drops the oldest past a full buffer and counts it, and counts the batches written', async () => {
    const r = recorder(new MemoryActivityStore(), 2);
    for (const c of ['a', 'b', 'c']) end(r, c);
    assert.equal(r.dropped, 1);
    await r.flush();
    await r.flush();
    assert.deepEqual(r.writes, { ok: 1, error: 0 }, 'an empty buffer writes nothing');
  });

  it('counts a batch the store refused as an error write and its events as dropped', async () => {
    const store = new MemoryActivityStore();
    store.writeSessions = () => Promise.reject(new Error('store away'));
    const r = recorder(store, 10);
    end(r, 'a');
    end(r, 'b');
    await r.flush();
    assert.deepEqual([r.dropped, r.writes], [2, { ok: 0, error: 1 }]);
  });
});

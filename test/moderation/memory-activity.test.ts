import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryActivityStore, type SessionRecord } from '../../src/moderation/index.js';
import { runActivityStoreSuite } from './activity-store-suite.js';

describe('memory activity store', () => {
  runActivityStoreSuite(async () => new MemoryActivityStore());

  it('keeps the newest sessions past its bound; a kept session ends in its own record', async () => {
    const store = new MemoryActivityStore(3);
    const slots: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const s: SessionRecord = { client: `c${i}`, user: 'u', transport: 'websocket', protocol: 'json', remoteAddr: '', labels: {}, appName: '', appVersion: '', node: 'n', nodeUid: 'n1', connectedAt: i, disconnectedAt: 0, disconnectCode: 0, disconnectReason: '' };
      slots.push(store.kept.keep(s));
    }
    store.kept.end(slots[4]!, 'c5', 9, 3000, 'bye');
    // c1's slot now holds c4: an end for c1 leaves it alone.
    store.kept.end(slots[0]!, 'c1', 7, 3000, 'late');
    await store.writeSessions([], [{ client: 'c4', disconnectedAt: 8, code: 3001, reason: 'shutdown' }]);
    const { sessions } = await store.sessions({ user: '', since: 0, until: 0, openOnly: false, limit: 10, cursor: '' });
    assert.deepEqual(
      sessions.map((s) => [s.client, s.disconnectedAt, s.disconnectCode, s.disconnectReason]),
      [
        ['c5', 9, 3000, 'bye'],
        ['c4', 8, 3001, 'shutdown'],
        ['c3', 0, 0, ''],
      ],
    );
  });

  it('empties the slots of sessions past retention and lists nothing from them; the slots are reused', async () => {
    const store = new MemoryActivityStore(3);
    const session = (client: string, connectedAt: number): SessionRecord => ({ client, user: 'u', transport: 'websocket', protocol: 'json', remoteAddr: '10.0.0.1', labels: { a: 'b' }, appName: '', appVersion: '', node: 'n', nodeUid: 'n1', connectedAt, disconnectedAt: 0, disconnectCode: 0, disconnectReason: '' });
    const a = store.kept.keep(session('a', 1));
    store.kept.keep(session('b', 2));
    store.kept.end(a, 'a', 5, 3000, 'bye');
    assert.equal(await store.cleanup(10), 1);
    const all = { user: '', since: 0, until: 0, openOnly: false, limit: 10, cursor: '' };
    assert.deepEqual((await store.sessions(all)).sessions.map((s) => s.client), ['b']);
    store.kept.end(a, 'a', 6, 3000, 'again');
    store.kept.keep(session('c', 3));
    store.kept.keep(session('d', 4));
    const { sessions } = await store.sessions(all);
    assert.deepEqual(sessions.map((s) => [s.client, s.remoteAddr, s.labels]), [
      ['d', '10.0.0.1', { a: 'b' }],
      ['c', '10.0.0.1', { a: 'b' }],
      ['b', '10.0.0.1', { a: 'b' }],
    ]);
  });
});

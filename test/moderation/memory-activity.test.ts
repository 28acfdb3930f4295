import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryActivityStore, endKeptSession, type SessionRecord } from '../../src/moderation/index.js';
import { runActivityStoreSuite } from './activity-store-suite.js';

describe('memory activity store', () => {
  runActivityStoreSuite(async () => new MemoryActivityStore());

  it('keeps the newest sessions past its bound; a kept session ends in its own record', async () => {
    const store = new MemoryActivityStore(3);
    const kept: SessionRecord[] = [];
    for (let i = 1; i <= 5; i++) {
      const s: SessionRecord = { client: `c${i}`, user: 'u', transport: 'websocket', protocol: 'json', remoteAddr: '', labels: {}, appName: '', appVersion: '', node: 'n', nodeUid: 'n1', connectedAt: i, disconnectedAt: 0, disconnectCode: 0, disconnectReason: '' };
      store.keep(s);
      kept.push(s);
    }
    endKeptSession(kept[4]!, 9, 3000, 'bye');
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
});

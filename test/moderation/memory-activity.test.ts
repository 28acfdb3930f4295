import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newClientId } from '../../src/lib/index.js';
import { MemoryActivityStore, type SessionRecord } from '../../src/moderation/index.js';
import { runActivityStoreSuite } from './activity-store-suite.js';

describe('memory activity store', () => {
  runActivityStoreSuite(async () => new MemoryActivityStore());

  it('keeps the newest sessions past its bound; a kept session ends in its own record', async () => {
    const store = new MemoryActivityStore(3);
    const handles: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const s: SessionRecord = { client: `c${i}`, user: 'u', transport: 'websocket', protocol: 'json', remoteAddr: '', labels: {}, appName: '', appVersion: '', node: 'n', nodeUid: 'n1', connectedAt: i, disconnectedAt: 0, disconnectCode: 0, disconnectReason: '' };
      handles.push(store.kept.keep(s));
    }
    store.kept.end(handles[4]!, 9, 3000, 'bye');
    // c1's slot now holds c4: c1's handle writes nothing.
    store.kept.end(handles[0]!, 7, 3000, 'late');
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

  it('empties the handles of sessions past retention and lists nothing from them; the handles are reused', async () => {
    const store = new MemoryActivityStore(3);
    const session = (client: string, connectedAt: number): SessionRecord => ({ client, user: 'u', transport: 'websocket', protocol: 'json', remoteAddr: '10.0.0.1', labels: { a: 'b' }, appName: '', appVersion: '', node: 'n', nodeUid: 'n1', connectedAt, disconnectedAt: 0, disconnectCode: 0, disconnectReason: '' });
    const a = store.kept.keep(session('a', 1));
    store.kept.keep(session('b', 2));
    store.kept.end(a, 5, 3000, 'bye');
    assert.equal(await store.cleanup(10), 1);
    const all = { user: '', since: 0, until: 0, openOnly: false, limit: 10, cursor: '' };
    assert.deepEqual((await store.sessions(all)).sessions.map((s) => s.client), ['b']);
    store.kept.end(a, 6, 3000, 'again'); // emptied: nothing written
    store.kept.keep(session('c', 3));
    store.kept.keep(session('d', 4));
    const { sessions } = await store.sessions(all);
    assert.deepEqual(sessions.map((s) => [s.client, s.remoteAddr, s.labels]), [
      ['d', '10.0.0.1', { a: 'b' }],
      ['c', '10.0.0.1', { a: 'b' }],
      ['b', '10.0.0.1', { a: 'b' }],
    ]);
  });

  it('keeps a window larger than one chunk of its storage: the newest sessions, each end in its own slot', async () => {
    const max = 3000;
    const store = new MemoryActivityStore(max);
    const handles: number[] = [];
    for (let i = 1; i <= 5000; i++) handles.push(store.kept.keep({ client: `c${i}`, user: `u${i % 7}`, transport: 'websocket', protocol: 'json', remoteAddr: '', labels: {}, appName: '', appVersion: '', node: 'n', nodeUid: 'n1', connectedAt: i, disconnectedAt: 0, disconnectCode: 0, disconnectReason: '' }));
    store.kept.end(handles[4999]!, 9000, 3000, 'last');
    store.kept.end(handles[2100]!, 9001, 3000, 'kept');
    store.kept.end(handles[1000]!, 9002, 3000, 'gone');
    const page = (cursor: string) => store.sessions({ user: '', since: 0, until: 0, openOnly: false, limit: 1000, cursor });
    const seen: string[] = [];
    let cursor = '';
    do {
      const p = await page(cursor);
      seen.push(...p.sessions.map((s) => s.client));
      cursor = p.nextCursor;
    } while (cursor !== '');
    assert.equal(seen.length, max);
    assert.deepEqual([seen[0], seen[max - 1]], ['c5000', 'c2001']);
    const ended = await store.sessions({ user: '', since: 0, until: 0, openOnly: false, limit: max, cursor: '' });
    assert.deepEqual(
      ended.sessions.filter((s) => s.disconnectedAt !== 0).map((s) => [s.client, s.disconnectReason]),
      [
        ['c5000', 'last'],
        ['c2101', 'kept'],
      ],
    );
  });

  it('keeps client ids of any shape: UUIDs as numbers, others as text; ends and pages find them', async () => {
    const store = new MemoryActivityStore(10);
    const ids = [newClientId(), 'mqtt-device-7', newClientId(), newClientId()];
    const handles = ids.map((client) => store.kept.keep({ client, user: 'u', transport: 'websocket', protocol: 'json', remoteAddr: '', labels: {}, appName: '', appVersion: '', node: 'n', nodeUid: 'n1', connectedAt: 5, disconnectedAt: 0, disconnectCode: 0, disconnectReason: '' }));
    store.kept.end(handles[0]!, 6, 3000, 'uuid');
    store.kept.end(handles[1]!, 7, 3000, 'mqtt');
    await store.writeSessions([], [{ client: ids[3]!, disconnectedAt: 9, code: 3001, reason: 'batch' }]);
    const newestFirst = [...ids].sort().reverse();
    const seen: string[] = [];
    let cursor = '';
    do {
      const p = await store.sessions({ user: '', since: 0, until: 0, openOnly: false, limit: 1, cursor });
      seen.push(...p.sessions.map((s) => s.client));
      cursor = p.nextCursor;
    } while (cursor !== '');
    assert.deepEqual(seen, newestFirst, 'same connect time: by id, descending');
    const { sessions } = await store.sessions({ user: '', since: 0, until: 0, openOnly: false, limit: 10, cursor: '' });
    const reasons = new Map(sessions.map((s) => [s.client, s.disconnectReason]));
    assert.deepEqual(ids.map((id) => reasons.get(id)), ['uuid', 'mqtt', '', 'batch']);
  });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ActivityStore, SessionRecord } from '../../src/moderation/index.js';

const T0 = 1_700_000_040_000 - (1_700_000_040_000 % 60_000);

function session(client: string, user: string, at: number, extra: Partial<SessionRecord> = {}): SessionRecord {
  return {
    client,
    user,
    transport: 'websocket',
    protocol: 'json',
    remoteAddr: '203.0.113.7',
    labels: { region: 'eu' },
    appName: 'web',
    appVersion: '1.0',
    node: 'eu-1',
    nodeUid: 'n1a2b3c4',
    connectedAt: T0 + at,
    disconnectedAt: 0,
    disconnectCode: 0,
    disconnectReason: '',
    ...extra,
  };
}

/** What every ActivityStore must do, run against memory and PostgreSQL; `make` gives a fresh, empty store. */
export function runActivityStoreSuite(make: () => Promise<ActivityStore>): void {
  it('records sessions and how they ended, lists them newest first with filters and paging', async () => {
    const store = await make();
    await store.writeSessions([session('c1', 'alice', 0), session('c2', 'bob', 1000), session('c3', 'alice', 2000)], [{ client: 'c1', disconnectedAt: T0 + 500, code: 3000, reason: 'connection closed' }]);
    await store.writeSessions([], [{ client: 'c3', disconnectedAt: T0 + 3000, code: 3503, reason: 'user blocked' }]);
    const all = await store.sessions({ user: '', since: 0, until: 0, openOnly: false, limit: 10, cursor: '' });
    assert.deepEqual(all.sessions.map((s) => s.client), ['c3', 'c2', 'c1']);
    assert.deepEqual(all.sessions[0], session('c3', 'alice', 2000, { disconnectedAt: T0 + 3000, disconnectCode: 3503, disconnectReason: 'user blocked' }));
    assert.deepEqual((await store.sessions({ user: 'alice', since: 0, until: 0, openOnly: false, limit: 10, cursor: '' })).sessions.map((s) => s.client), ['c3', 'c1']);
    assert.deepEqual((await store.sessions({ user: '', since: 0, until: 0, openOnly: true, limit: 10, cursor: '' })).sessions.map((s) => s.client), ['c2']);
    assert.deepEqual((await store.sessions({ user: '', since: T0 + 1000, until: T0 + 2000, openOnly: false, limit: 10, cursor: '' })).sessions.map((s) => s.client), ['c2']);
    const first = await store.sessions({ user: '', since: 0, until: 0, openOnly: false, limit: 2, cursor: '' });
    const rest = await store.sessions({ user: '', since: 0, until: 0, openOnly: false, limit: 2, cursor: first.nextCursor });
    assert.deepEqual([...first.sessions, ...rest.sessions].map((s) => s.client), ['c3', 'c2', 'c1']);
    assert.equal(rest.nextCursor, '');
  });

  it('adds channel minutes up and answers the busiest channels with their minutes', async () => {
    const store = await make();
    await store.writeChannels([
      { channel: 'chat:a', minute: T0, publications: 2, deliveries: 10, bytes: 40 },
      { channel: 'chat:b', minute: T0, publications: 1, deliveries: 1, bytes: 5 },
      { channel: 'news', minute: T0, publications: 9, deliveries: 0, bytes: 90 },
    ]);
    await store.writeChannels([
      { channel: 'chat:a', minute: T0, publications: 1, deliveries: 5, bytes: 20 },
      { channel: 'chat:b', minute: T0 + 60_000, publications: 3, deliveries: 3, bytes: 15 },
    ]);
    const top = await store.channels({ since: 0, until: 0, prefix: 'chat:', top: 10 });
    assert.deepEqual(top, [
      { channel: 'chat:b', publications: 4, deliveries: 4, bytes: 20, minutes: [{ minute: T0, publications: 1, deliveries: 1, bytes: 5 }, { minute: T0 + 60_000, publications: 3, deliveries: 3, bytes: 15 }] },
      { channel: 'chat:a', publications: 3, deliveries: 15, bytes: 60, minutes: [{ minute: T0, publications: 3, deliveries: 15, bytes: 60 }] },
    ]);
    assert.deepEqual((await store.channels({ since: 0, until: 0, prefix: '', top: 1 })).map((c) => c.channel), ['news']);
    assert.deepEqual((await store.channels({ since: T0 + 60_000, until: 0, prefix: '', top: 10 })).map((c) => c.channel), ['chat:b']);
    assert.deepEqual(await store.channels({ since: 0, until: 0, prefix: 'chat%', top: 10 }), [], 'the prefix is text, not a pattern');
  });

  it('removes what is past retention, keeping open sessions', async () => {
    const store = await make();
    await store.writeSessions([session('old', 'u', 0), session('open', 'u', 0)], [{ client: 'old', disconnectedAt: T0 + 10, code: 3000, reason: '' }]);
    await store.writeChannels([{ channel: 'c', minute: T0, publications: 1, deliveries: 0, bytes: 1 }]);
    assert.equal(await store.cleanup(T0 + 60_000), 2);
    assert.deepEqual((await store.sessions({ user: '', since: 0, until: 0, openOnly: false, limit: 10, cursor: '' })).sessions.map((s) => s.client), ['open']);
    assert.deepEqual(await store.channels({ since: 0, until: 0, prefix: '', top: 10 }), []);
  });

  it('writes a full buffer of sessions in one batch, labels of any text intact', async () => {
    const store = await make();
    const labels = { note: 'a "quoted", {braced} back\\slash, ünïcode', empty: '' };
    const many = Array.from({ length: 10_000 }, (_, i) => session(`b${String(i).padStart(5, '0')}`, `u${i}`, i, i === 9_999 ? { labels } : {}));
    await store.writeSessions(many, []);
    const page = await store.sessions({ user: '', since: 0, until: 0, openOnly: false, limit: 2, cursor: '' });
    assert.deepEqual(page.sessions.map((s) => s.client), ['b09999', 'b09998']);
    assert.deepEqual(page.sessions[0]!.labels, labels);
    assert.equal(page.sessions[0]!.node, 'eu-1');
    assert.equal(page.sessions[0]!.nodeUid, 'n1a2b3c4');
  });
}

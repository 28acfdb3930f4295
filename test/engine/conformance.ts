import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineError, type Broker, type BrokerEventHandler, type EnginePublication, type PresenceManager } from '../../src/engine/index.js';
import type { ClientInfo, StreamPosition } from '../../src/protocol/index.js';
import { until as poll } from '../helpers/until.js';

/** What an engine can do; tests of a missing ability are skipped, and its refusal is tested instead. */
export interface EngineCapabilities {
  /** Keeps channel history (offsets, epochs, history reads). */
  history: boolean;
  /**
   * Refuses channel names holding `*` or `>` (NATS, as Centrifugo's NATS broker does) instead
   * of keeping them as ordinary channels; the NATS tests check the refusal.
   */
  refusesWildcardNames?: boolean;
}

export interface EngineUnderTest {
  broker: Broker;
  presence: PresenceManager;
  close(): Promise<void>;
}

class Recorder implements BrokerEventHandler {
  pubs: Array<{ channel: string; pub: EnginePublication; position: StreamPosition }> = [];
  joins: Array<{ channel: string; info: ClientInfo }> = [];
  leaves: Array<{ channel: string; info: ClientInfo }> = [];
  controls: Uint8Array[] = [];
  handlePublication(channel: string, pub: EnginePublication, position: StreamPosition): void {
    this.pubs.push({ channel, pub, position });
  }
  handleJoin(channel: string, info: ClientInfo): void {
    this.joins.push({ channel, info });
  }
  handleLeave(channel: string, info: ClientInfo): void {
    this.leaves.push({ channel, info });
  }
  handleControl(data: Uint8Array): void {
    this.controls.push(data);
  }
  resumed = 0;
  handleDeliveryResumed(): void {
    this.resumed++;
  }
}

/** Polls `cond` until it holds, failing after `ms`; engine events arrive within milliseconds. */
export const until = (cond: () => boolean, ms = 2000): Promise<void> => poll(cond, ms, 5);

const hist = { historySize: 3, historyTtl: 60_000, historyMetaTtl: 3_600_000 };
const noHist = { historySize: 0, historyTtl: 0, historyMetaTtl: 0 };
const data = (s: string): Uint8Array => Buffer.from(JSON.stringify(s));

/** The behaviour every engine must share; each engine's test file calls this with its factory. */
export function runEngineSuite(
  name: string,
  make: () => Promise<EngineUnderTest>,
  caps: EngineCapabilities = { history: true },
  opts: { skip?: string | false } = {},
): void {
  const needsHistory = { skip: caps.history ? false : `${name} keeps no history` };
  describe(`engine conformance: ${name}`, { skip: opts.skip || undefined }, () => {
    const setup = async (t: { after(fn: () => Promise<void>): void }) => {
      const engine = await make();
      const rec = new Recorder();
      await engine.broker.run(rec);
      t.after(() => engine.close());
      return { ...engine, rec, ch: `ch-${Math.random().toString(36).slice(2)}` };
    };

    it('delivers publications only for subscribed channels', async (t) => {
      const { broker, rec, ch } = await setup(t);
      await broker.publish(ch, data('before'), noHist);
      await broker.subscribe(ch);
      const pos = await broker.publish(ch, data('after'), noHist);
      await until(() => rec.pubs.length === 1);
      assert.deepEqual(pos, { offset: 0, epoch: '' });
      assert.equal(Buffer.from(rec.pubs[0]!.pub.data).toString(), '"after"');
      await broker.unsubscribe(ch);
      await broker.publish(ch, data('gone'), noHist);
      // A marker on the same channel, once subscribed again, comes after anything still on its way.
      await broker.subscribe(ch);
      await broker.publish(ch, data('marker'), noHist);
      await until(() => rec.pubs.length >= 2);
      assert.deepEqual(rec.pubs.map((p) => Buffer.from(p.pub.data).toString()), ['"after"', '"marker"']);
    });

    it('keeps channels apart whatever characters their names hold', async (t) => {
      const { broker, rec, ch } = await setup(t);
      // Names are well-formed Unicode: the node refuses others (107) before any engine sees them.
      const all = [`${ch} with spaces`, `${ch}.*`, `${ch}.>`, `${ch}..x.`, `.${ch}`, `${ch}%2E`, `${ch}.`, `${ch}:ü€😀`, `${ch}\t\r\n`];
      const names = caps.refusesWildcardNames ? all.filter((n) => !/[*>]/.test(n)) : all;
      for (const n of names) await broker.subscribe(n);
      for (const n of names) await broker.publish(n, data(n), noHist);
      await until(() => rec.pubs.length === names.length);
      for (const { channel, pub } of rec.pubs) assert.equal(Buffer.from(pub.data).toString(), JSON.stringify(channel));
      assert.deepEqual(rec.pubs.map((p) => p.channel).sort(), names.slice().sort());
    });

    it('refuses history when it keeps none', { skip: caps.history ? `${name} keeps history` : false }, async (t) => {
      const { broker, rec, ch } = await setup(t);
      await broker.subscribe(ch);
      const notSupported = (err: unknown) => err instanceof EngineError && err.code === 'PARSEC_ENGINE_NOT_SUPPORTED';
      await assert.rejects(broker.publish(ch, data('x'), hist), notSupported);
      await assert.rejects(broker.history(ch, { limit: 0, reverse: false, historyMetaTtl: hist.historyMetaTtl }), notSupported);
      await assert.rejects(broker.removeHistory(ch), notSupported);
      await broker.publish(ch, data('y'), noHist);
      await until(() => rec.pubs.length === 1);
      assert.equal(Buffer.from(rec.pubs[0]!.pub.data).toString(), '"y"');
    });

    it('assigns increasing offsets under one epoch and trims history to its size', needsHistory, async (t) => {
      const { broker, rec, ch } = await setup(t);
      await broker.subscribe(ch);
      const positions: StreamPosition[] = [];
      for (const s of ['a', 'b', 'c', 'd', 'e']) positions.push(await broker.publish(ch, data(s), hist));
      assert.deepEqual(positions.map((p) => p.offset), [1, 2, 3, 4, 5]);
      assert.equal(new Set(positions.map((p) => p.epoch)).size, 1);
      await until(() => rec.pubs.length === 5);
      assert.deepEqual(rec.pubs.map((p) => p.pub.offset), [1, 2, 3, 4, 5]);
      const page = await broker.history(ch, { limit: -1, reverse: false, historyMetaTtl: hist.historyMetaTtl });
      assert.deepEqual(page.publications.map((p) => p.offset), [3, 4, 5]);
      assert.deepEqual(page.position, positions[4]);
    });

    it('filters history by since, limit and reverse', needsHistory, async (t) => {
      const { broker, ch } = await setup(t);
      let top: StreamPosition = { offset: 0, epoch: '' };
      for (const s of ['a', 'b', 'c']) top = await broker.publish(ch, data(s), hist);
      const q = { historyMetaTtl: hist.historyMetaTtl };
      assert.deepEqual((await broker.history(ch, { ...q, limit: 0, reverse: false })).publications, []);
      assert.deepEqual((await broker.history(ch, { ...q, limit: -1, reverse: false, since: { offset: 1, epoch: top.epoch } })).publications.map((p) => p.offset), [2, 3]);
      assert.deepEqual((await broker.history(ch, { ...q, limit: 1, reverse: false, since: { offset: 1, epoch: top.epoch } })).publications.map((p) => p.offset), [2]);
      assert.deepEqual((await broker.history(ch, { ...q, limit: -1, reverse: true })).publications.map((p) => p.offset), [3, 2, 1]);
      assert.deepEqual((await broker.history(ch, { ...q, limit: -1, reverse: true, since: { offset: 3, epoch: top.epoch } })).publications.map((p) => p.offset), [2, 1]);
    });

    it('keeps a stable epoch for an empty stream and clears on removeHistory', needsHistory, async (t) => {
      const { broker, ch } = await setup(t);
      const q = { limit: 0, reverse: false, historyMetaTtl: hist.historyMetaTtl };
      const a = await broker.history(ch, q);
      const b = await broker.history(ch, q);
      assert.equal(a.position.epoch, b.position.epoch);
      assert.equal(a.position.offset, 0);
      await broker.publish(ch, data('x'), hist);
      await broker.removeHistory(ch);
      const after = await broker.history(ch, { ...q, limit: -1 });
      assert.equal(after.publications.length, 0);
    });

    it('returns the first result for a repeated idempotency key and delivers once', async (t) => {
      const { broker, rec, ch } = await setup(t);
      await broker.subscribe(ch);
      const opts = { ...(caps.history ? hist : noHist), idempotencyKey: 'k1' };
      const first = await broker.publish(ch, data('x'), opts);
      const second = await broker.publish(ch, data('x'), opts);
      assert.deepEqual(second, first);
      // A publication after both on the same channel is delivered after whatever they sent.
      await broker.publish(ch, data('marker'), caps.history ? hist : noHist);
      await until(() => rec.pubs.length >= 2);
      assert.deepEqual(rec.pubs.map((p) => Buffer.from(p.pub.data).toString()), ['"x"', '"marker"']);
    });

    it('delivers join, leave and control messages', async (t) => {
      const { broker, rec, ch } = await setup(t);
      await broker.subscribe(ch);
      await broker.publishJoin(ch, { user: 'u', client: 'c' });
      await broker.publishLeave(ch, { user: 'u', client: 'c' });
      await broker.publishControl(Buffer.from('ctl'));
      await until(() => rec.joins.length === 1 && rec.leaves.length === 1 && rec.controls.length === 1);
      assert.equal(rec.joins[0]!.info.user, 'u');
    });

    it('tracks presence and its stats', async (t) => {
      const { presence, ch } = await setup(t);
      await presence.addPresence(ch, 'c1', { user: 'u1', client: 'c1' });
      await presence.addPresence(ch, 'c2', { user: 'u1', client: 'c2' });
      await presence.addPresence(ch, 'c3', { user: 'u2', client: 'c3' });
      assert.deepEqual(await presence.presenceStats(ch), { numClients: 3, numUsers: 2 });
      await presence.removePresence(ch, 'c1', 'u1');
      assert.deepEqual(Object.keys(await presence.presence(ch)).sort(), ['c2', 'c3']);
      assert.deepEqual(await presence.presenceStats(`${ch}-none`), { numClients: 0, numUsers: 0 });
    });
  });
}

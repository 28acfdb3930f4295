import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { pino, type Logger } from 'pino';
import { EngineError, type BrokerEventHandler, type EnginePublication } from '../../src/engine/index.js';
import { MemoryPresenceManager } from '../../src/engine/memory/index.js';
import { NatsBroker, type NatsBrokerOptions } from '../../src/engine/nats/index.js';
import { systemClock } from '../../src/lib/index.js';
import type { ClientInfo } from '../../src/protocol/index.js';
import { natsUrl, randomPrefix, skipWithout } from '../helpers/services.js';
import { until as poll } from '../helpers/until.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { runEngineSuite, until } from './conformance.js';

const silent = pino({ level: 'silent' });

function broker(prefix: string, url = natsUrl, logger: Logger = silent, extra: Partial<NatsBrokerOptions> = {}): NatsBroker {
  return new NatsBroker({ url, prefix, dialTimeout: 1000, writeTimeout: 1000, clock: systemClock, logger, ...extra });
}

class Inbox implements BrokerEventHandler {
  pubs: Array<{ channel: string; pub: EnginePublication }> = [];
  joins: ClientInfo[] = [];
  leaves: ClientInfo[] = [];
  controls: string[] = [];
  handlePublication(channel: string, pub: EnginePublication): void {
    this.pubs.push({ channel, pub });
  }
  handleJoin(_: string, info: ClientInfo): void {
    this.joins.push(info);
  }
  handleLeave(_: string, info: ClientInfo): void {
    this.leaves.push(info);
  }
  handleControl(data: Uint8Array): void {
    this.controls.push(Buffer.from(data).toString());
  }
  handleDeliveryResumed(): void {
    // NATS keeps no history, so there is no stream position to verify.
  }
}

const noHist = { historySize: 0, historyTtl: 0, historyMetaTtl: 0 };
const unavailable = (err: unknown) => err instanceof EngineError && err.code === 'PARSEC_ENGINE_UNAVAILABLE';
/** A refusal of a wildcard channel, naming the channel and, where it helps, the setting. */
const wildcardRefused = (channel: string, setting?: RegExp) => (err: unknown) =>
  err instanceof EngineError &&
  err.code === 'PARSEC_ENGINE_BAD_REQUEST' &&
  err.message.includes(JSON.stringify(channel)) &&
  /NATS wildcard character/.test(err.message) &&
  (setting === undefined || setting.test(err.message));

async function running(t: TestContext, b: NatsBroker): Promise<Inbox> {
  const inbox = new Inbox();
  await b.run(inbox);
  t.after(() => b.close());
  return inbox;
}

it('fails to start, naming broker.nats.url and dial_timeout, when NATS is unreachable', async () => {
  const b = broker(randomPrefix('nats'), 'nats://127.0.0.1:1');
  await assert.rejects(b.run(new Inbox()), (err: unknown) => {
    assert.ok(unavailable(err));
    assert.match((err as Error).message, /^broker\.nats\.url: cannot connect to NATS at nats:\/\/127\.0\.0\.1:1 within 1s/);
    return true;
  });
  await b.close();
});

const skip = await skipWithout('NATS', natsUrl);

if (skip) {
  it('NATS broker against a live NATS server', { skip }, () => {});
} else {
  const prefix = randomPrefix('nats');
  runEngineSuite(
    'nats',
    async () => {
      const b = broker(prefix);
      return { broker: b, presence: new MemoryPresenceManager(), close: () => b.close() };
    },
    { history: false, refusesWildcardNames: true },
  );

  describe('NATS broker between nodes', () => {
    const ch = () => `room:${Math.random().toString(36).slice(2)}`;

    it('delivers publications, join/leave and control between brokers sharing a prefix, and no further', async (t) => {
      const [a, b, other] = [broker(prefix), broker(prefix), broker(randomPrefix('nats'))];
      const [inA, inB, inOther] = [await running(t, a), await running(t, b), await running(t, other)];
      const channel = ch();
      await a.subscribe(channel);
      await other.subscribe(channel);
      const data = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
      const info = { user: 'u1', client: 'c1', connInfo: Buffer.from('{"name":"Ann"}') };
      await b.publish(channel, data, { ...noHist, info, tags: { kind: 'x' }, delta: true });
      await b.publishJoin(channel, { user: 'u2', client: 'c2' });
      await b.publishLeave(channel, { user: '', client: 'c3' });
      await b.publishControl(Buffer.from('ping'));
      await until(() => inA.pubs.length === 1 && inA.leaves.length === 1 && inA.controls.length === 1 && inB.controls.length === 1);
      const got = inA.pubs[0]!;
      assert.equal(got.channel, channel);
      assert.deepEqual(Buffer.from(got.pub.data), Buffer.from(data));
      assert.deepEqual(got.pub.tags, { kind: 'x' });
      assert.equal(got.pub.delta, true);
      assert.equal(got.pub.offset, 0);
      assert.ok(got.pub.time > 0);
      assert.deepEqual({ ...got.pub.info, connInfo: Buffer.from(got.pub.info!.connInfo!).toString() }, { ...info, connInfo: '{"name":"Ann"}' });
      assert.deepEqual(inA.joins, [{ user: 'u2', client: 'c2' }]);
      assert.deepEqual(inA.leaves, [{ user: '', client: 'c3' }]);
      assert.deepEqual(inB.pubs, [], 'b did not subscribe');
      // The server had routed b's messages (a got them) before it takes this marker, so the
      // marker reaches the other prefix after anything of b's could have.
      await other.publish(channel, Buffer.from('"marker"'), noHist);
      await until(() => inOther.pubs.length > 0);
      assert.deepEqual(inOther.pubs.map((p) => Buffer.from(p.pub.data).toString()), ['"marker"'], 'another prefix hears nothing');
      assert.deepEqual([inOther.joins.length, inOther.leaves.length, inOther.controls.length], [0, 0, 0], 'another prefix hears nothing');
    });

    it('refuses channels holding "*" or ">" without allow_wildcards, as Centrifugo does: subscribe, publish and join/leave, sending nothing', async (t) => {
      const watcher = broker(prefix, natsUrl, silent, { allowWildcards: true });
      const seen = await running(t, watcher);
      const lit = broker(prefix);
      await running(t, lit);
      const base = ch();
      await watcher.subscribe(`${base}.>`);
      for (const channel of [`${base}.*`, `${base}.>`, `${base}.a*b`, `${base}>x`]) {
        await assert.rejects(lit.subscribe(channel), wildcardRefused(channel, /broker\.nats\.allow_wildcards/));
        await assert.rejects(lit.publish(channel, Buffer.from('x'), noHist), wildcardRefused(channel));
        await assert.rejects(lit.publishJoin(channel, { user: 'u', client: 'c' }), wildcardRefused(channel));
      }
      // A refused subscribe leaves nothing behind: it is refused again, not taken as already made.
      await assert.rejects(lit.subscribe(`${base}.*`), wildcardRefused(`${base}.*`));
      await lit.publish(`${base}.plain`, Buffer.from('"marker"'), noHist);
      await until(() => seen.pubs.length > 0);
      assert.deepEqual(seen.pubs.map((p) => p.pub.channel ?? p.channel), [`${base}.plain`], 'only the concrete channel reached NATS');
    });

    it('subscribes to wildcards with allow_wildcards, and still refuses to publish to them', async (t) => {
      const [wild, pub] = [broker(prefix, natsUrl, silent, { allowWildcards: true }), broker(prefix)];
      const inWild = await running(t, wild);
      await running(t, pub);
      const base = ch();
      await wild.subscribe(`${base}.*`);
      await assert.rejects(wild.publish(`${base}.*`, Buffer.from('x'), noHist), wildcardRefused(`${base}.*`));
      await pub.publish(`${base}.one`, Buffer.from('"1"'), noHist);
      await until(() => inWild.pubs.length === 1);
      assert.deepEqual([inWild.pubs[0]!.channel, inWild.pubs[0]!.pub.channel], [`${base}.*`, `${base}.one`]);
    });

    it('refuses wildcards in raw mode too, before any subject is made', async (t) => {
      const raw = broker(prefix, natsUrl, silent, { rawMode: { prefix: `${randomPrefix('raw')}.`, channelReplacements: {} } });
      await running(t, raw);
      await assert.rejects(raw.subscribe('news.*'), wildcardRefused('news.*', /broker\.nats\.allow_wildcards/));
      await assert.rejects(raw.publish('news.>', Buffer.from('x'), noHist), wildcardRefused('news.>'));
    });

    it('sends what was published before close() (close drains), and close is idempotent', async (t) => {
      const [a, b] = [broker(prefix), broker(prefix)];
      const inA = await running(t, a);
      await b.run(new Inbox());
      const channel = ch();
      await a.subscribe(channel);
      for (let i = 0; i < 100; i++) await b.publish(channel, Buffer.from(String(i)), noHist);
      await Promise.all([b.close(), b.close()]);
      await until(() => inA.pubs.length === 100);
      await assert.rejects(b.publish(channel, Buffer.from('late'), noHist), unavailable);
    });

    it('lives through an outage: fails fast and logs while cut off, then gets its subscriptions back', async (t) => {
      const target = new URL(natsUrl);
      const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 4222) });
      t.after(() => proxy.close());
      const logs: Array<{ level: number; msg: string }> = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) });
      const [a, b] = [broker(prefix, `nats://127.0.0.1:${proxy.port}`, logger), broker(prefix)];
      const inA = await running(t, a);
      await running(t, b);
      const channel = ch();
      await a.subscribe(channel);

      proxy.cut();
      await until(() => logs.some((l) => l.msg === 'nats disconnected'));
      assert.equal(logs.find((l) => l.msg === 'nats disconnected')!.level, 40);
      await assert.rejects(a.publish(channel, Buffer.from('x'), noHist), unavailable);
      await assert.rejects(a.subscribe(ch()), unavailable);
      await assert.rejects(a.publishJoin(channel, { user: 'u', client: 'c' }), unavailable);

      proxy.restore();
      await until(() => logs.some((l) => l.msg === 'nats reconnected'), 10_000);
      assert.equal(logs.find((l) => l.msg === 'nats reconnected')!.level, 30);
      // NATS orders nothing across connections: publish until a's restored SUB is in place.
      await poll(async () => {
        await b.publish(channel, Buffer.from('"again"'), noHist);
        return inA.pubs.length > 0;
      }, 5000, 50);
      assert.equal(Buffer.from(inA.pubs[0]!.pub.data).toString(), '"again"');
      await a.publish(channel, Buffer.from('"from a"'), noHist);
      await until(() => inA.pubs.some((p) => Buffer.from(p.pub.data).toString() === '"from a"'));
    });
  });
}

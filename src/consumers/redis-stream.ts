import type { Cluster, Redis } from 'ioredis';
import type { RedisConfig, RedisStreamConsumerConfig } from '../config/index.js';
import { backoffDelay, sleep } from './backoff.js';
import type { Command } from './dispatch.js';
import { publicationCommand, type DataModeNames } from './publication-mode.js';
import type { Consumer, ConsumerDeps } from './types.js';

type RedisClient = Redis | Cluster;

/**
 * Opens a connection as the engine's Redis connections are opened (TLS, Sentinel, Cluster); from
 * the composition root. `purpose` ends a connect error's message; `section` (`consumers[0].redis_stream`)
 * is the config key its errors name.
 */
export type RedisConnector = (cfg: RedisConfig, purpose: string, section: string) => Promise<RedisClient>;

/** An entry as XREADGROUP and XAUTOCLAIM return it: id, then field, value, field, value… */
type Entry = [id: string, fields: string[] | null];

/** How often idle pending entries are looked for, at most (Centrifugo's reclaim interval). */
const RECLAIM_EVERY_MS = 5000;

/**
 * Redis Streams through a consumer group (created when missing), as Centrifugo reads them:
 * each entry's `payload` field (and `method` field, when present) is a server API command;
 * an entry is acknowledged once the command succeeded or was skipped as poison. One that
 * fails with a temporary error is retried here with backoff for up to half the visibility
 * timeout, then left pending; entries pending longer than `visibility_timeout` (this node
 * gave up, or a node died holding them) are claimed with XAUTOCLAIM and run again.
 */
export class RedisStreamConsumer implements Consumer {
  private readonly stop = new AbortController();
  private readonly loops: Array<Promise<void>> = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly workers = new Map<string, Workers>();
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly cfg: RedisStreamConsumerConfig,
    private readonly deps: ConsumerDeps,
    private readonly commands: RedisClient,
    private readonly readers: RedisClient[],
  ) {}

  /**
   * @throws what the connector throws when Redis cannot be reached or a TLS PEM cannot be read,
   * naming the consumer's own keys (`consumers[0].redis_stream.address`, `….tls.cert_pem`);
   * an Error naming the consumer when a group cannot be created.
   */
  static async start(cfg: RedisStreamConsumerConfig, deps: ConsumerDeps, connect: RedisConnector): Promise<RedisStreamConsumer> {
    const redis: RedisConfig = { ...cfg, prefix: '' };
    const opened: RedisClient[] = [];
    let connecting = true;
    try {
      // One for commands, and one per stream: a blocking read holds its connection, so streams never wait for one another.
      for (let i = 0; i <= cfg.streams.length; i++) opened.push(await connect(redis, ` for consumer "${deps.name}"`, `${deps.at}.redis_stream`));
      connecting = false;
      const consumer = new RedisStreamConsumer(cfg, deps, opened[0]!, opened.slice(1));
      for (const stream of cfg.streams) consumer.workers.set(stream, new Workers(cfg.numWorkers));
      for (const stream of cfg.streams) await consumer.createGroup(stream);
      cfg.streams.forEach((stream, i) => consumer.loops.push(consumer.poll(stream, consumer.readers[i]!), consumer.reclaim(stream)));
      return consumer;
    } catch (err) {
      for (const c of opened) c.disconnect();
      // A connect error already names the consumer and its key, and is of the kind the CLI prints as one line.
      if (connecting) throw err;
      throw new Error(`consumer "${deps.name}": ${(err as Error).message}`, { cause: err });
    }
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.stop.abort();
      // A read blocked in Redis ends with its connection.
      for (const r of this.readers) r.disconnect();
      await Promise.all(this.loops);
      await Promise.all(this.inFlight);
      await this.commands.quit().catch(() => this.commands.disconnect());
    })();
    return this.closed;
  }

  /** The group, reading from new entries on, as Centrifugo creates it; an existing one is kept. */
  private async createGroup(stream: string): Promise<void> {
    try {
      await this.commands.call('XGROUP', 'CREATE', stream, this.cfg.consumerGroup, '$', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).startsWith('BUSYGROUP')) throw err;
    }
  }

  private async poll(stream: string, reader: RedisClient): Promise<void> {
    const { signal } = this.stop;
    const block = Math.max(100, Math.min(2000, Math.floor(this.cfg.ioTimeout / 2)));
    let failures = 0;
    while (!signal.aborted) {
      const count = await this.workers.get(stream)!.free(this.stop.signal);
      if (signal.aborted) return;
      let reply: unknown;
      try {
        reply = await reader.call('XREADGROUP', 'GROUP', this.cfg.consumerGroup, this.deps.nodeId, 'COUNT', count, 'BLOCK', block, 'STREAMS', stream, '>');
        failures = 0;
      } catch (err) {
        if (signal.aborted) return;
        failures++;
        if (String((err as Error).message).startsWith('NOGROUP')) {
          await this.createGroup(stream).catch(() => undefined);
          continue;
        }
        this.deps.metrics.error(this.deps.name);
        this.deps.log.error({ err, stream }, 'reading the stream failed: retrying');
        await sleep(backoffDelay(failures), signal);
        continue;
      }
      // [[stream, entries]] or null when the block ran out.
      const entries = (reply as Array<[string, Entry[]]> | null)?.[0]?.[1] ?? [];
      for (const entry of entries) this.handle(stream, entry, false);
    }
  }

  /** Claims entries idle longer than the visibility timeout, every few seconds, while workers are free. */
  private async reclaim(stream: string): Promise<void> {
    const { signal } = this.stop;
    const every = Math.min(RECLAIM_EVERY_MS, this.cfg.visibilityTimeout);
    while (!signal.aborted) {
      await sleep(every, signal);
      let start = '0-0';
      try {
        do {
          const count = await this.workers.get(stream)!.free(this.stop.signal);
          if (signal.aborted) return;
          const reply = (await this.commands.call('XAUTOCLAIM', stream, this.cfg.consumerGroup, this.deps.nodeId, this.cfg.visibilityTimeout, start, 'COUNT', count)) as [string, Entry[]];
          start = reply[0];
          for (const entry of reply[1]) this.handle(stream, entry, true);
        } while (start !== '0-0');
      } catch (err) {
        if (signal.aborted) return;
        this.deps.metrics.error(this.deps.name);
        this.deps.log.error({ err, stream }, 'claiming idle pending entries failed');
      }
    }
  }

  private handle(stream: string, entry: Entry, reclaimed: boolean): void {
    const workers = this.workers.get(stream)!;
    workers.take();
    const job = this.process(stream, entry, reclaimed).finally(() => {
      this.inFlight.delete(job);
      workers.release();
    });
    this.inFlight.add(job);
  }

  private async process(stream: string, [id, fields]: Entry, reclaimed: boolean): Promise<void> {
    const { dispatcher, log, metrics, name, maxAttempts } = this.deps;
    const values = new Map<string, string>();
    for (let i = 0; fields && i + 1 < fields.length; i += 2) values.set(fields[i]!, fields[i + 1]!);
    const command = this.command(values);
    const method = 'method' in command ? command.method : '';
    const started = Date.now();
    let tries = 0;
    for (;;) {
      const outcome = await dispatcher.run(command, (k) => values.get(k));
      tries++;
      if (outcome.kind === 'applied') {
        metrics.processed(name);
        break;
      }
      if (outcome.kind === 'poison') {
        metrics.error(name, 'skipped');
        log.error({ stream, id, method, reason: outcome.reason }, 'stream entry cannot be applied: skipped');
        break;
      }
      const deliveries = reclaimed && maxAttempts > 0 ? await this.deliveries(stream, id) : 1;
      if (maxAttempts > 0 && deliveries >= maxAttempts) {
        metrics.error(name, 'skipped');
        log.error({ stream, id, method, reason: outcome.reason, deliveries }, 'stream entry still failing after max_attempts deliveries: skipped');
        break;
      }
      const delay = backoffDelay(tries);
      // Past half the visibility timeout another node may claim it: leave it pending for that.
      if (this.stop.signal.aborted || Date.now() - started + delay > this.cfg.visibilityTimeout / 2) {
        metrics.error(name, 'retried');
        log.warn({ stream, id, method, reason: outcome.reason, tries }, 'stream entry failed: left pending to be claimed again after visibility_timeout');
        return;
      }
      metrics.error(name, 'retried');
      log.warn({ stream, id, method, reason: outcome.reason, tries }, 'stream entry failed: retrying with backoff');
      await sleep(delay, this.stop.signal);
    }
    try {
      await this.commands.call('XACK', stream, this.cfg.consumerGroup, id);
    } catch (err) {
      // Not acknowledged: it will be claimed and run again, which idempotency keys make harmless.
      metrics.error(name);
      log.error({ err, stream, id }, 'acknowledging a stream entry failed');
    }
  }

  /** The entry's command: its method and payload fields, or in publication data mode a publication of the payload. */
  private command(values: ReadonlyMap<string, string>): Command {
    const payload = values.get(this.cfg.payloadValue);
    // A deleted entry claimed from the pending list comes back without fields: nothing to run.
    if (payload === undefined) return { reason: `no "${this.cfg.payloadValue}" field in the entry` };
    const mode = this.cfg.publicationDataMode;
    if (mode.enabled) return publicationCommand(Buffer.from(payload), values, this.dataMode(mode));
    return this.deps.dispatcher.decode(this.cfg.methodValue ? (values.get(this.cfg.methodValue) ?? '') : '', payload);
  }

  private dataMode(m: RedisStreamConsumerConfig['publicationDataMode']): DataModeNames {
    return { channels: m.channelsValue, idempotencyKey: m.idempotencyKeyValue, delta: m.deltaValue, version: m.versionValue, versionEpoch: m.versionEpochValue, tagsPrefix: m.tagsValuePrefix };
  }

  /** How many times the group has delivered the entry (XAUTOCLAIM counts each claim). */
  private async deliveries(stream: string, id: string): Promise<number> {
    try {
      const reply = (await this.commands.call('XPENDING', stream, this.cfg.consumerGroup, id, id, 1)) as Array<[string, string, number, number]>;
      return reply[0]?.[3] ?? 1;
    } catch {
      return 1;
    }
  }
}

/**
 * `num_workers` commands of one stream at once: the reader and the claimer ask how many
 * entries they may take and wait while none.
 */
class Workers {
  private running = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly size: number) {}

  /** Resolves with the number of free workers (at least one), or 0 when `signal` aborts. */
  async free(signal: AbortSignal): Promise<number> {
    while (this.running >= this.size && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        signal.addEventListener('abort', done, { once: true });
        this.waiters.push(done);
      });
    }
    return signal.aborted ? 0 : this.size - this.running;
  }

  take(): void {
    this.running++;
  }

  release(): void {
    this.running--;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

import type { StreamPosition, ClientInfo } from '../../protocol/index.js';
import { randomString, type Clock } from '../../lib/index.js';
import type { Broker, BrokerEventHandler, Closer, EnginePublication, HistoryPage, HistoryQuery, PublishOptions } from '../types.js';
import { IdempotentResults } from '../idempotency.js';
import { HistoryStream } from './history-stream.js';

const SWEEP_INTERVAL_MS = 10_000;

export interface MemoryBrokerOptions {
  clock: Clock;
}

/**
 * Single-process broker: delivery is a direct call, history lives in this process
 * and is lost with it (a restart changes every stream's epoch, which clients see as
 * "cannot recover", as the protocol intends).
 */
export class MemoryBroker implements Broker, Closer {
  private handler: BrokerEventHandler | undefined;
  private readonly clock: Clock;
  private readonly channels = new Set<string>();
  private readonly streams = new Map<string, HistoryStream>();
  private readonly idempotent = new IdempotentResults();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(opts: MemoryBrokerOptions) {
    this.clock = opts.clock;
  }

  async run(handler: BrokerEventHandler): Promise<void> {
    this.handler = handler;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async subscribe(channel: string): Promise<void> {
    this.channels.add(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.channels.delete(channel);
  }

  async publish(channel: string, data: Uint8Array, opts: PublishOptions): Promise<StreamPosition> {
    const now = this.clock.now();
    const seen = this.idempotent.get(channel, opts.idempotencyKey, now);
    if (seen) return seen;
    const base = { data, info: opts.info, tags: opts.tags, time: now, delta: opts.delta };
    let position: StreamPosition = { offset: 0, epoch: '' };
    let pub: EnginePublication = { ...base, offset: 0 };
    if (opts.historySize > 0 && opts.historyTtl > 0) {
      const stream = this.stream(channel, now, opts.historyMetaTtl);
      pub = stream.append(base, opts.historySize, now + opts.historyTtl, now + opts.historyMetaTtl);
      position = stream.position();
    }
    this.idempotent.remember(channel, opts.idempotencyKey, position, now, opts.idempotentResultTtl);
    if (this.channels.has(channel)) this.handler?.handlePublication(channel, pub, position);
    return position;
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    if (this.channels.has(channel)) this.handler?.handleJoin(channel, info);
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    if (this.channels.has(channel)) this.handler?.handleLeave(channel, info);
  }

  async publishControl(data: Uint8Array): Promise<void> {
    this.handler?.handleControl(data);
  }

  async history(channel: string, query: HistoryQuery): Promise<HistoryPage> {
    const now = this.clock.now();
    const stream = this.stream(channel, now, query.historyMetaTtl);
    const position = stream.position();
    if (query.limit === 0) return { publications: [], position };
    let pubs = stream.retained(now);
    const since = query.since;
    if (query.reverse) {
      if (since) pubs = pubs.filter((p) => p.offset < since.offset);
      pubs = pubs.slice().reverse();
    } else if (since) {
      pubs = pubs.filter((p) => p.offset > since.offset);
    }
    if (query.limit > 0 && pubs.length > query.limit) pubs = pubs.slice(0, query.limit);
    return { publications: pubs, position };
  }

  async removeHistory(channel: string): Promise<void> {
    this.streams.get(channel)?.clear();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.handler = undefined;
  }

  /** The channel's stream, created (with a new epoch) when missing or past its meta TTL. */
  private stream(channel: string, now: number, metaTtl: number): HistoryStream {
    let stream = this.streams.get(channel);
    if (!stream || now >= stream.metaExpiresAt) {
      stream = new HistoryStream(randomString(6), now + metaTtl);
      this.streams.set(channel, stream);
    }
    return stream;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [channel, stream] of this.streams) {
      if (stream.expire(now)) this.streams.delete(channel);
    }
    this.idempotent.sweep(now);
  }
}

import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/lib/index.js';
import { LOAD_CORE, pinProcess } from '../server-process.js';
import { Histogram } from './histogram.js';
import type { ClientsSpec, OpenReply, StatsReply, WorkerReply, WorkerRequest } from './messages.js';

/**
 * Each load process stays well under the 20,000 open files a process may have here
 * (one per socket, plus Node's own).
 */
export const MAX_SOCKETS_PER_WORKER = 9_000;

interface Waiter {
  resolve(r: WorkerReply): void;
  reject(err: Error): void;
}

class Worker {
  private readonly waiting: Waiter[] = [];

  constructor(readonly child: ChildProcess) {
    child.on('message', (r: WorkerReply) => this.waiting.shift()?.resolve(r));
    child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`load worker exited (${code})`));
    });
  }

  /** The worker answers requests in order, so the oldest waiter gets the next reply. */
  call<R extends WorkerReply>(req: WorkerRequest): Promise<R> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve: (r) => resolve(r as R), reject });
      this.child.send(req);
    });
  }
}

export interface OpenResult {
  opened: number;
  failed: number;
  firstError?: string;
  seconds: number;
}

/** The multi-process load generator: clients spread evenly over worker processes pinned to the load core. */
export class LoadPool {
  private constructor(private readonly workers: Worker[]) {}

  static start(count: number): LoadPool {
    const script = join(packageRoot(), 'dist/bench/load/worker.js');
    const workers = Array.from({ length: count }, () => {
      const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      pinProcess(child.pid!, LOAD_CORE);
      return new Worker(child);
    });
    return new LoadPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Opens `count` clients (ids `from`…) spread over the workers and keeps them open. */
  open(spec: Omit<ClientsSpec, 'from'>, from = 0): Promise<OpenResult> {
    return this.spread('open', spec, from);
  }

  /** Connect storm: each worker opens and drops its share of `count` clients. */
  storm(spec: Omit<ClientsSpec, 'from'>): Promise<OpenResult> {
    return this.spread('storm', spec, 0);
  }

  /**
   * Two connect storms at once: half the workers storm `a`, the other half `b` (the halves
   * swapped when `swap`). Two servers taking their storms at the same moment share whatever
   * the machine does then, which storms taken in turn do not.
   */
  async stormTogether(a: Omit<ClientsSpec, 'from'>, b: Omit<ClientsSpec, 'from'>, swap: boolean): Promise<[OpenResult, OpenResult]> {
    if (this.workers.length < 2) throw new Error('storms together need at least 2 load workers');
    const half = this.workers.length >> 1;
    const [first, second] = [this.workers.slice(0, half), this.workers.slice(half, half * 2)];
    const [forA, forB] = swap ? [second, first] : [first, second];
    return Promise.all([this.spread('storm', a, 0, forA), this.spread('storm', b, 0, forB)]);
  }

  private async spread(op: 'open' | 'storm', spec: Omit<ClientsSpec, 'from'>, from: number, workers = this.workers): Promise<OpenResult> {
    const n = workers.length;
    const share = (i: number): number => Math.floor(spec.count / n) + (i < spec.count % n ? 1 : 0);
    if (op === 'open' && share(0) > MAX_SOCKETS_PER_WORKER) throw new Error(`${spec.count} clients need more than ${n} load workers`);
    const started = performance.now();
    let offset = from;
    const replies = await Promise.all(
      workers.map((w, i) => {
        const req: WorkerRequest = { op, ...spec, from: offset, count: share(i), tokens: spec.tokens?.slice(offset - from, offset - from + share(i)) };
        offset += share(i);
        return w.call<OpenReply>(req);
      }),
    );
    const failed = replies.reduce((s, r) => s + r.failed, 0);
    return {
      opened: replies.reduce((s, r) => s + r.opened, 0),
      failed,
      firstError: replies.find((r) => r.firstError)?.firstError,
      seconds: (performance.now() - started) / 1000,
    };
  }

  /** Publications received so far by every client, and their latencies. */
  async stats(reset: boolean): Promise<{ delivered: number; histogram: Histogram }> {
    const replies = await Promise.all(this.workers.map((w) => w.call<StatsReply>({ op: 'stats', reset })));
    const histogram = new Histogram();
    for (const r of replies) histogram.add(r.histogram);
    return { delivered: replies.reduce((s, r) => s + r.delivered, 0), histogram };
  }

  /** Waits until `expected` publications arrived or `timeoutMs` passed; returns the count. */
  async awaitDelivered(expected: number, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const { delivered } = await this.stats(false);
      if (delivered >= expected || performance.now() > deadline) return delivered;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Drops every open client. */
  async closeAll(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.call({ op: 'close' })));
  }

  stop(): void {
    for (const w of this.workers) w.child.disconnect();
  }
}

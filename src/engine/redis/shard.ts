import type { Logger } from 'pino';
import type { RedisClient } from './connection.js';
import { channelTag } from './keys.js';
import { addPresenceScript, historyScript, presenceScript, publishScript } from './scripts.js';

const SUBSCRIBE_BATCH = 512;

/** The shard that owns a channel: every node picks the same one, from a hash of the name. */
export function shardFor<T>(shards: readonly T[], channel: string): T {
  return shards.length === 1 ? shards[0]! : shards[parseInt(channelTag(channel), 36) % shards.length]!;
}

/** The Lua commands defined on every command connection. */
export interface ScriptCommands {
  parsecPublish(metaKey: string, dataKey: string, idemKey: string, ...args: Array<string | Buffer | number>): Promise<string>;
  parsecHistoryBuffer(metaKey: string, dataKey: string, ...args: Array<string | number>): Promise<[Buffer, Buffer, Buffer[]]>;
  parsecAddPresence(zsetKey: string, hashKey: string, ...args: Array<string | Buffer | number>): Promise<number>;
  parsecPresenceBuffer(zsetKey: string, hashKey: string, now: number): Promise<Buffer[]>;
}

/** Defines the Lua commands on a command connection. */
export function withScripts(cmd: RedisClient): RedisClient & ScriptCommands {
  cmd.defineCommand('parsecPublish', { numberOfKeys: 3, lua: publishScript });
  cmd.defineCommand('parsecHistory', { numberOfKeys: 2, lua: historyScript });
  cmd.defineCommand('parsecAddPresence', { numberOfKeys: 2, lua: addPresenceScript });
  cmd.defineCommand('parsecPresence', { numberOfKeys: 2, lua: presenceScript });
  // defineCommand adds these methods at run time; the interface above names them.
  return cmd as RedisClient & ScriptCommands;
}

export interface ShardEvents {
  message(pubsub: Buffer, message: Buffer): void;
  /** The subscriber connection is ready again after having been lost. */
  resumed(): void;
}

/**
 * One Redis shard: a command connection and a PUB/SUB connection. The shard keeps the
 * set of PUB/SUB channels this node wants and (re)subscribes to all of them on every
 * ready, so a Redis restart heals without anyone asking.
 */
export class RedisShard {
  readonly cmd: RedisClient & ScriptCommands;
  /** PUB/SUB channels this node wants, and those the current connection has. */
  private readonly wanted = new Set<string>();
  private readonly subscribed = new Set<string>();
  private syncing: Promise<void> = Promise.resolve();
  private onFirstReady: (() => void) | undefined;
  private subReady = false;
  private everReady = false;
  private cmdReady: Promise<void> | undefined;

  constructor(
    readonly index: number,
    cmd: RedisClient,
    private readonly sub: RedisClient,
    private readonly log: Logger,
    private readonly events: ShardEvents,
    /** PUB/SUB channels this shard always listens to (the control channel on shard 0). */
    permanent: string[],
    /** Which PUB/SUB channels are sharded ones (SSUBSCRIBE); none unless on a cluster that has them. */
    private readonly isSharded: (pubsub: string) => boolean = () => false,
  ) {
    this.cmd = withScripts(cmd);
    for (const c of permanent) this.wanted.add(c);
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.events.message(channel, message));
    sub.on('smessageBuffer', (channel: Buffer, message: Buffer) => this.events.message(channel, message));
    sub.on('ready', () => void this.onSubReady());
    sub.on('close', () => {
      if (this.subReady) this.log.warn({ shard: index }, 'redis pub/sub connection lost');
      this.subReady = false;
    });
    for (const c of [cmd, sub]) c.on('error', (err: Error) => this.log.debug({ shard: index, err: err.message }, 'redis connection error'));
  }

  /** Connects both connections; the command one may be connected already (to learn the server's version). */
  async connect(): Promise<void> {
    const firstReady = new Promise<void>((resolve) => (this.onFirstReady = resolve));
    await Promise.all([this.cmd.status === 'wait' ? this.cmd.connect() : undefined, this.sub.connect()]);
    await firstReady;
  }

  /** Undefined while both connections work, else what is wrong. */
  unhealthyReason(): string | undefined {
    if (this.cmd.status !== 'ready') return `redis shard ${this.index}: command connection ${this.cmd.status}`;
    if (!this.subReady) return `redis shard ${this.index}: pub/sub not subscribed`;
    return undefined;
  }

  async subscribe(pubsub: string): Promise<void> {
    this.wanted.add(pubsub);
    // While disconnected the channel is subscribed on the next ready.
    if (this.subReady) await this.sync();
  }

  async unsubscribe(pubsub: string): Promise<void> {
    if (!this.wanted.delete(pubsub)) return;
    if (this.subReady) await this.sync();
  }

  /**
   * Brings the PUB/SUB connection's channels in line with `wanted`, in batches; calls are
   * serialised so concurrent subscribes never race an unsubscribe of the same channel.
   */
  private sync(): Promise<void> {
    const run = async (): Promise<void> => {
      const add = [...this.wanted].filter((c) => !this.subscribed.has(c));
      const remove = [...this.subscribed].filter((c) => !this.wanted.has(c));
      await this.each(add.filter((c) => !this.isSharded(c)), (batch) => this.sub.subscribe(...batch), true);
      await this.each(add.filter(this.isSharded), (batch) => this.sub.ssubscribe(...batch), true);
      await this.each(remove.filter((c) => !this.isSharded(c)), (batch) => this.sub.unsubscribe(...batch), false);
      await this.each(remove.filter(this.isSharded), (batch) => this.sub.sunsubscribe(...batch), false);
    };
    this.syncing = this.syncing.then(run, run);
    return this.syncing;
  }

  /**
   * Runs a (un)subscribe command over `channels` and notes the result. Classic channels go in
   * batches of up to SUBSCRIBE_BATCH; a sharded command may name channels of one slot only, so
   * those go one hash tag (one slot) per command, up to SUBSCRIBE_BATCH commands at a time.
   */
  private async each(channels: string[], command: (batch: string[]) => Promise<unknown>, adding: boolean): Promise<void> {
    if (channels.length === 0) return;
    const note = (batch: string[]): void => {
      for (const c of batch) {
        if (adding) this.subscribed.add(c);
        else this.subscribed.delete(c);
      }
    };
    if (!this.isSharded(channels[0]!)) {
      for (let i = 0; i < channels.length; i += SUBSCRIBE_BATCH) {
        const batch = channels.slice(i, i + SUBSCRIBE_BATCH);
        await command(batch);
        note(batch);
      }
      return;
    }
    const bySlot = new Map<string, string[]>();
    for (const c of channels) {
      const tag = c.slice(c.indexOf('{'), c.indexOf('}') + 1);
      const group = bySlot.get(tag);
      if (group) group.push(c);
      else bySlot.set(tag, [c]);
    }
    const groups = [...bySlot.values()];
    for (let i = 0; i < groups.length; i += SUBSCRIBE_BATCH) {
      await Promise.all(
        groups.slice(i, i + SUBSCRIBE_BATCH).map(async (batch) => {
          await command(batch);
          note(batch);
        }),
      );
    }
  }

  private async onSubReady(): Promise<void> {
    // A fresh connection has no subscriptions, whatever the previous one had.
    this.subscribed.clear();
    try {
      await this.sync();
    } catch (err) {
      this.log.warn({ shard: this.index, err: (err as Error).message }, 'redis resubscribe failed; retrying on next reconnect');
      return;
    }
    this.subReady = true;
    if (this.everReady) {
      this.log.info({ shard: this.index, channels: this.wanted.size }, 'redis pub/sub resubscribed');
      // Whoever resyncs on `resumed` reads stream tops over the command connection, which
      // reconnects on its own schedule and fails commands until then (no offline queue).
      await this.commandReady();
      if (this.subReady) this.events.resumed();
    }
    this.everReady = true;
    this.onFirstReady?.();
    this.onFirstReady = undefined;
  }

  /** Resolves once the command connection is ready; one wait however many times PUB/SUB comes back first. */
  private commandReady(): Promise<void> {
    if (this.cmd.status === 'ready') return Promise.resolve();
    this.cmdReady ??= new Promise<void>((resolve) =>
      this.cmd.once('ready', () => {
        this.cmdReady = undefined;
        resolve();
      }),
    );
    return this.cmdReady;
  }

  /** Drops both connections at once: a QUIT would wait on a Redis that may be gone. */
  async close(): Promise<void> {
    this.subReady = false;
    this.cmd.disconnect();
    this.sub.disconnect();
  }
}

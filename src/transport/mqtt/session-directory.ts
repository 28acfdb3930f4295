import type { Cluster, Redis } from 'ioredis';

/**
 * Which node holds each client id's persistent session, so a client reconnecting to
 * another node gets its session handed over instead of a new one. Methods reject when the
 * store cannot be reached.
 */
export interface SessionDirectory {
  /** The node holding the client id's session; undefined when none does. */
  holder(clientId: string): Promise<string | undefined>;
  record(clientId: string, nodeId: string, ttlSeconds: number): Promise<void>;
  forget(clientId: string): Promise<void>;
}

/** `<prefix>:mqtt:session:<client id>` → node id, with the session's longest life as EX. */
export class RedisSessionDirectory implements SessionDirectory {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  private key(clientId: string): string {
    return `${this.prefix}:mqtt:session:${clientId}`;
  }

  async holder(clientId: string): Promise<string | undefined> {
    return (await this.client.get(this.key(clientId))) ?? undefined;
  }

  async record(clientId: string, nodeId: string, ttlSeconds: number): Promise<void> {
    await this.client.set(this.key(clientId), nodeId, 'EX', Math.max(1, ttlSeconds));
  }

  async forget(clientId: string): Promise<void> {
    await this.client.del(this.key(clientId));
  }
}

import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import { clientTls } from '../../config/index.js';
import type { RedisConfig } from '../../config/types.js';

/** A command-capable connection: a standalone/Sentinel client or a Cluster client. */
export type RedisClient = Redis | Cluster;

function hostPort(address: string, defaultPort: number): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `redis://${address}`);
  return { host: url.hostname, port: Number(url.port || defaultPort) };
}

/**
 * The TLS options of `<section>.tls`: the CA the server's certificate is checked with, a client
 * certificate for a Redis that asks for one, and the name to check (and send as SNI) when the
 * address's host is not the one in the certificate. PEMs are read now, so a bad one stops the
 * start naming its key.
 */
function tlsOptions(cfg: RedisConfig, section: string): RedisOptions['tls'] {
  const t = clientTls(cfg.tls, `${section}.tls`);
  if (!t) return undefined;
  return {
    ca: t.ca,
    ...(t.cert ? { cert: t.cert, key: t.key } : {}),
    ...(t.serverName ? { servername: t.serverName } : {}),
    rejectUnauthorized: !t.insecureSkipVerify,
  };
}

/**
 * Options shared by every connection. Commands fail fast while Redis is unreachable
 * (no offline queue): a publish during an outage gets an error at once instead of
 * hanging, and the caller says so to its client.
 */
function baseOptions(cfg: RedisConfig, section: string): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: cfg.connectTimeout,
    commandTimeout: cfg.ioTimeout,
    // Only when set: a db in the address URL must not be overridden by the default 0.
    ...(cfg.db ? { db: cfg.db } : {}),
    username: cfg.user || undefined,
    password: cfg.password || undefined,
    tls: tlsOptions(cfg, section),
    // Reconnect forever with a capped backoff: an engine outage must heal by itself.
    retryStrategy: (times) => Math.min(times * 100, 2000),
    // The broker resubscribes itself on every ready, knowing which channels it wants.
    autoResubscribe: false,
  };
}

/**
 * Builds one connection to each shard; `sharded` gives a cluster subscriber a connection per
 * master for sharded PUB/SUB. `address` with several entries shards channels
 * over independent servers; `cluster_address` or `sentinel_address` make one shard.
 * `section` (`engine.redis`…) names the keys of a certificate that cannot be read.
 */
export function connectShards(cfg: RedisConfig, section: string, role: 'command' | 'subscriber', sharded = false): RedisClient[] {
  const clients = buildShards(cfg, section, role, sharded);
  for (const c of clients) c.on('error', (err: Error) => lastErrors.set(c, err));
  return clients;
}

/** The last socket error of each connection: ioredis rejects `connect()` with only "Connection is closed.". */
const lastErrors = new WeakMap<RedisClient, Error>();

/** Why connecting failed, in words a start error can print: the socket's own error (`getaddrinfo ENOTFOUND redis`) when there was one. */
export function connectFailure(err: unknown, clients: readonly RedisClient[]): string {
  const cause = clients.map((c) => lastErrors.get(c)).find((e) => e !== undefined);
  return cause?.message || (err instanceof Error ? err.message : String(err));
}

function buildShards(cfg: RedisConfig, section: string, role: 'command' | 'subscriber', sharded: boolean): RedisClient[] {
  const opts = { ...baseOptions(cfg, section), connectionName: `parsec-${role}` };
  if (cfg.clusterAddress.length > 0) {
    const nodes: ClusterNode[] = cfg.clusterAddress.map((a) => hostPort(a, 6379));
    return [
      new Cluster(nodes, {
        lazyConnect: true,
        enableOfflineQueue: false,
        redisOptions: opts,
        clusterRetryStrategy: (t) => Math.min(t * 100, 2000),
        // A subscriber connection per master, each SSUBSCRIBEd to the channels of its slots.
        shardedSubscribers: sharded,
      }),
    ];
  }
  if (cfg.sentinelAddress.length > 0) {
    return [
      new Redis({
        ...opts,
        sentinels: cfg.sentinelAddress.map((a) => hostPort(a, 26379)),
        name: cfg.sentinelMasterName,
        sentinelUsername: cfg.sentinelUser || undefined,
        sentinelPassword: cfg.sentinelPassword || undefined,
      }),
    ];
  }
  return cfg.address.map((url) => new Redis(url, opts));
}

/** The lowest major version among a cluster's masters (or the one server), from INFO. */
export async function lowestMajorVersion(client: RedisClient): Promise<number> {
  const servers = client instanceof Cluster ? client.nodes('master') : [client];
  const infos = await Promise.all(servers.map((s) => s.info('server')));
  return Math.min(...infos.map((i) => Number(/^redis_version:(\d+)/m.exec(i)?.[1] ?? 0)));
}

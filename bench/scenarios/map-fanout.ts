import { nowMicros } from '../load/histogram.js';
import type { DialectName } from '../load/dialects.js';
import type { LoadPool } from '../load/pool.js';
import { Publisher, type PublishRequest } from '../publisher.js';
import { startParsec } from '../server-process.js';
import { API_KEY, SECRET, parsecConfig, parsecPublish, stampedPayload } from '../targets.js';
import { warmAndMeasure, type Delivery } from './measure.js';

export interface MapFanoutRow extends Delivery {
  setup: string;
  subscribers: number;
}

/** Keys the map writes rotate over: each write replaces a key's value, so the state stays one page. */
const KEYS = 16;

function mapPublish(channel: string, key: string, data: string): PublishRequest {
  return {
    path: '/api/map_publish',
    headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' },
    body: `{"channel":"${channel}","key":"${key}","data":${data}}`,
  };
}

interface Setup {
  name: string;
  dialect: DialectName;
  channel: string;
  publish(channel: string, n: number, data: string): PublishRequest;
}

const SETUPS: Setup[] = [
  { name: 'stream (publish)', dialect: 'parsec', channel: 'fanout', publish: (ch, _n, data) => parsecPublish(ch, data) },
  { name: 'map ephemeral (map_publish)', dialect: 'parsec-map', channel: 'eph:fanout', publish: (ch, n, data) => mapPublish(ch, `k${n % KEYS}`, data) },
  { name: 'map persistent (map_publish)', dialect: 'parsec-map', channel: 'pers:fanout', publish: (ch, n, data) => mapPublish(ch, `k${n % KEYS}`, data) },
];

/**
 * Map fan-out next to stream fan-out: one server, the same number of subscribers each time
 * (raw JSON clients; map ones subscribe with type 1 and go live from the first state page),
 * the same rate of ~100-byte writes through the HTTP API: `publish` to a stream channel,
 * `map_publish` over 16 keys of an ephemeral map (no change stream) and of a persistent one
 * (every write appended to the stream with an offset).
 */
export async function runMapFanout(pool: LoadPool, opts: { subscribers: number; rate: number; seconds: number }): Promise<MapFanoutRow[]> {
  const namespace = (name: string, map: object) => ({ name, subscription_type: 'map', allow_subscribe_for_client: true, map });
  const server = await startParsec(
    parsecConfig({
      channel: {
        without_namespace: { allow_subscribe_for_client: true },
        namespaces: [namespace('eph', { mode: 'ephemeral', key_ttl: '10m' }), namespace('pers', { mode: 'persistent', stream_size: 1000, stream_ttl: '10m' })],
      },
    }),
  );
  const publisher = new Publisher(server.port, 8);
  const rows: MapFanoutRow[] = [];
  try {
    for (const setup of SETUPS) {
      const open = await pool.open({ dialect: setup.dialect, port: server.port, count: opts.subscribers, shared: [setup.channel], secret: SECRET, concurrency: 50 });
      if (open.failed) throw new Error(`${setup.name}: ${open.failed} of ${opts.subscribers} subscribers failed: ${open.firstError}`);
      const load = (total: number) => ({
        rate: opts.rate,
        total,
        expected: total * opts.subscribers,
        make: (n: number) => setup.publish(setup.channel, n, stampedPayload(nowMicros())),
      });
      rows.push({ setup: setup.name, subscribers: opts.subscribers, ...(await warmAndMeasure(pool, [server], publisher, load, opts.rate, opts.seconds)) });
    }
  } finally {
    publisher.close();
    await server.stop();
  }
  return rows;
}

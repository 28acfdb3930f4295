import type { z } from 'zod';
import type { methods } from './methods.js';

type MethodTable = typeof methods;

/** What the OpenAPI document says of one method besides its request schema. */
export interface MethodDoc<K extends keyof MethodTable> {
  tag: string;
  summary: string;
  /** A request the method accepts: typed by its schema's input, so it cannot fall behind a change there. */
  example: z.input<MethodTable[K]['schema']>;
}

/** Every method's documentation; the mapped type makes a method without an entry a compile error. */
export const methodDocs: { [K in keyof MethodTable]: MethodDoc<K> } = {
  publish: { tag: 'publication', summary: 'Publish data into a channel', example: { channel: 'news', data: { text: 'hello' } } },
  broadcast: { tag: 'publication', summary: 'Publish the same data into many channels', example: { channels: ['news', 'alerts'], data: { text: 'hello' } } },
  subscribe: { tag: 'connection management', summary: "Subscribe a user's connections to a channel", example: { channel: 'news', user: '42' } },
  unsubscribe: { tag: 'connection management', summary: "Unsubscribe a user's connections from a channel", example: { channel: 'news', user: '42' } },
  disconnect: { tag: 'connection management', summary: "Disconnect a user's connections", example: { user: '42', disconnect: { code: 4000, reason: 'bye' } } },
  refresh: { tag: 'connection management', summary: "Refresh a user's connections (extend or expire them)", example: { user: '42', expire_at: 4102444800 } },
  presence: { tag: 'presence', summary: 'Clients subscribed to a channel', example: { channel: 'chat:lobby' } },
  presence_stats: { tag: 'presence', summary: 'Client and user counts of a channel', example: { channel: 'chat:lobby' } },
  history: { tag: 'history', summary: "A channel's history stream", example: { channel: 'news', limit: 10 } },
  history_remove: { tag: 'history', summary: "Remove a channel's history", example: { channel: 'news' } },
  channels: { tag: 'stats', summary: 'Active channels and their client counts', example: { pattern: 'chat:*' } },
  info: { tag: 'stats', summary: 'The running nodes', example: {} },
  connections: { tag: 'connection management', summary: 'Connections, by user or label filter, page by page', example: { user: '42', limit: 100 } },
  connections_snapshot: { tag: 'connection management', summary: 'Freeze a consistent listing of connections to page through', example: { user: '42' } },
  block_user: { tag: 'user block', summary: 'Block a user (disconnects and refuses them)', example: { user: '42', reason: 'spam' } },
  unblock_user: { tag: 'user block', summary: 'Lift a user block', example: { user: '42' } },
  blocked_users: { tag: 'user block', summary: 'Blocks in force (or their history)', example: { limit: 100 } },
  rate_limit: { tag: 'rate limits', summary: 'Take from a distributed token bucket', example: { key: 'send:42', interval: 60000, rate: 10 } },
  rate_limits_get: { tag: 'rate limits', summary: 'The client rate limits in force (config and overrides)', example: {} },
  rate_limits_set: {
    tag: 'rate limits',
    summary: 'Replace layers of the client rate limits at runtime',
    example: { settings: { client_command: { enabled: true, publish: { enabled: true, buckets: [{ interval: '1s', rate: 5 }] } } } },
  },
  map_publish: { tag: 'map', summary: 'Set a key of a map channel', example: { channel: 'board:1', key: 'cell:a1', data: { v: 'x' } } },
  map_remove: { tag: 'map', summary: 'Remove a key of a map channel', example: { channel: 'board:1', key: 'cell:a1' } },
  map_read_state: { tag: 'map', summary: "A map channel's state, page by page", example: { channel: 'board:1', limit: 100 } },
  map_read_stream: { tag: 'map', summary: "A map channel's change stream", example: { channel: 'board:1', limit: 100 } },
  map_stats: { tag: 'map', summary: 'Number of keys of a map channel', example: { channel: 'board:1' } },
  map_clear: { tag: 'map', summary: 'Remove every key of a map channel', example: { channel: 'board:1' } },
  shared_poll_publish: { tag: 'shared poll', summary: 'Push a new version of a shared-poll item', example: { channel: 'prices:1', key: 'EURUSD', data: { bid: 1.08 }, version: 1 } },
  activity_sessions: { tag: 'activity', summary: 'Recorded sessions', example: { user: '42', limit: 100 } },
  activity_channels: { tag: 'activity', summary: 'Channels by recorded traffic', example: { top: 20 } },
  rpc: { tag: 'rpc', summary: 'Server-side RPC extension (none exist: always 104 not found)', example: { method: 'ping' } },
};

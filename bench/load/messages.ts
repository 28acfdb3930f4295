import type { DialectName } from './dialects.js';

/** Which clients a worker opens: users `u<from>`… each on `<personal><i>` (if set) plus the shared channels. */
export interface ClientsSpec {
  /** A WebSocket dialect, or `mqtt` (MQTT 3.1.1 over TCP; the shared channels are its topics). */
  dialect: DialectName | 'mqtt';
  port: number;
  from: number;
  count: number;
  personal?: string;
  shared: string[];
  /** HS256 secret the worker signs Parsec connection tokens with (none: MQTT clients send no password)… */
  secret?: string;
  /** …unless the tokens come signed already (one per client, in order). */
  tokens?: string[];
  /** Handshakes in flight at once. */
  concurrency: number;
  /** Offer permessage-deflate in the handshake (off unless set). */
  deflate?: boolean;
}

/** Coordinator → worker. */
export type WorkerRequest =
  /** Opens clients and keeps them, counting what they receive. */
  | ({ op: 'open' } & ClientsSpec)
  /** Opens clients one after another, each dropped as soon as its handshake completes. */
  | ({ op: 'storm' } & ClientsSpec)
  | { op: 'stats'; reset: boolean }
  | { op: 'close' };

export interface OpenReply {
  op: 'open' | 'storm';
  opened: number;
  failed: number;
  firstError?: string;
  ms: number;
}

export interface StatsReply {
  op: 'stats';
  delivered: number;
  histogram: [number, number][];
}

export interface CloseReply {
  op: 'close';
}

export type WorkerReply = OpenReply | StatsReply | CloseReply;

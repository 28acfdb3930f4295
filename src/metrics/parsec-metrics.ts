import { Counter, Histogram, type Registry } from 'prom-client';
import { COMMAND_BUCKETS, DEFAULT_BUCKETS, SURVEY_BUCKETS } from './buckets.js';

/** Engine calls, timed: the Broker and PresenceManager methods. */
export type EngineOp =
  | 'publish'
  | 'publish_join'
  | 'publish_leave'
  | 'publish_control'
  | 'subscribe'
  | 'unsubscribe'
  | 'history'
  | 'remove_history'
  | 'presence'
  | 'presence_stats'
  | 'add_presence'
  | 'remove_presence';

/** `parsec_engine_command_duration_seconds`: each engine call by operation and whether it succeeded. */
export class EngineMetrics {
  private readonly duration: Histogram<'op' | 'outcome'>;

  constructor(registry: Registry, private readonly on: boolean) {
    this.duration = new Histogram({
      name: 'parsec_engine_command_duration_seconds',
      help: 'Duration of engine (broker and presence) calls by operation and outcome.',
      labelNames: ['op', 'outcome'],
      buckets: COMMAND_BUCKETS,
      registers: [registry],
    });
  }

  observe(op: EngineOp, ok: boolean, seconds: number): void {
    if (this.on) this.duration.observe({ op, outcome: ok ? 'ok' : 'error' }, seconds);
  }
}

/** What the token broker issued: connection tokens, delegated tokens, bulk credentials. */
export type IssueKind = 'token' | 'delegate' | 'credentials';

/** `parsec_token_broker_*`: issuance (and refusals by HTTP status) and revocations. */
export class TokenBrokerMetrics {
  private readonly issued: Counter<'kind'>;
  private readonly refused: Counter<'kind' | 'status'>;
  private readonly revocations: Counter<'kind'>;

  constructor(registry: Registry, private readonly on: boolean) {
    const registers = [registry];
    this.issued = new Counter({ name: 'parsec_token_broker_issued_total', help: 'Tokens issued by the token broker, by kind.', labelNames: ['kind'], registers });
    this.refused = new Counter({ name: 'parsec_token_broker_refused_total', help: 'Token broker requests refused, by kind and HTTP status.', labelNames: ['kind', 'status'], registers });
    this.revocations = new Counter({
      name: 'parsec_token_broker_revocations_total',
      help: 'Revocations recorded: token ids, users (all their tokens up to a time), and lifted token revocations.',
      labelNames: ['kind'],
      registers,
    });
  }

  issue(kind: IssueKind, count = 1): void {
    if (this.on) this.issued.inc({ kind }, count);
  }

  refuse(kind: IssueKind, status: number): void {
    if (this.on) this.refused.inc({ kind, status: String(status) });
  }

  revoke(kind: 'token' | 'user' | 'unrevoke', count = 1): void {
    if (this.on) this.revocations.inc({ kind }, count);
  }
}

/** Which key source fetched: connection tokens, subscription tokens, server API Bearer (HTTP, gRPC), token broker callers. */
export type JwksUse = 'client_token' | 'subscription_token' | 'http_api' | 'grpc_api' | 'token_broker';

/** `parsec_jwks_fetches_total` and `parsec_jwks_fetch_duration_seconds`, by key source and outcome. */
export class JwksMetrics {
  private readonly fetches: Counter<'use' | 'outcome'>;
  private readonly duration: Histogram<'use'>;

  constructor(registry: Registry, private readonly on: boolean) {
    const registers = [registry];
    this.fetches = new Counter({ name: 'parsec_jwks_fetches_total', help: 'JWKS document fetches by key source and outcome.', labelNames: ['use', 'outcome'], registers });
    this.duration = new Histogram({ name: 'parsec_jwks_fetch_duration_seconds', help: 'JWKS fetch duration by key source.', labelNames: ['use'], buckets: DEFAULT_BUCKETS, registers });
  }

  fetched(use: JwksUse, ok: boolean, seconds: number): void {
    if (!this.on) return;
    this.fetches.inc({ use, outcome: ok ? 'ok' : 'error' });
    this.duration.observe({ use }, seconds);
  }
}

/** How a fleet-wide operation picked its sessions. */
export type FleetTarget = 'label_filter' | 'client' | 'session' | 'user' | 'all_users';

/** `parsec_fleet_op_duration_seconds`: a user/label operation from sending it to every node's answer. */
export class FleetMetrics {
  private readonly duration: Histogram<'op' | 'target'>;

  constructor(registry: Registry, private readonly on: boolean) {
    this.duration = new Histogram({
      name: 'parsec_fleet_op_duration_seconds',
      help: 'Fleet-wide operations (subscribe, unsubscribe, disconnect, refresh by user, client or label filter), until every node answered.',
      labelNames: ['op', 'target'],
      buckets: SURVEY_BUCKETS,
      registers: [registry],
    });
  }

  observe(op: string, target: FleetTarget, seconds: number): void {
    if (this.on) this.duration.observe({ op, target }, seconds);
  }
}

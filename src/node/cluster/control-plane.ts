import type { Logger } from 'pino';
import type { Broker } from '../../engine/types.js';
import { randomString, type Clock } from '../../lib/index.js';
import { connectionsPage, type ConnectionsPage, type ConnectionsQuery } from './connections.js';
import type { FleetTarget } from '../../metrics/index.js';
import { applyFleetOp, type FleetOp, type Target } from './fleet-ops.js';
import type { Node } from '../node.js';
import { applyRevocation, type RevocationNotice } from './revocation.js';
import { applyBlockNotice } from './blocks.js';
import type { BlockNotice, RateLimitsNotice } from '../../moderation/index.js';

/** What every node tells the others about itself (the server API `info` shape). */
export interface NodeInfo {
  uid: string;
  name: string;
  version: string;
  num_clients: number;
  num_users: number;
  num_channels: number;
  num_subs: number;
  uptime: number;
  process: { cpu: number; rss: number };
}

/** A question every live node answers about its own sessions. */
export type SurveyQuestion = { kind: 'op'; op: FleetOp } | { kind: 'connections'; query: ConnectionsQuery };
export type SurveyAnswer = { kind: 'op'; count: number } | { kind: 'connections'; page: ConnectionsPage };

/** The answers of the nodes that replied before the deadline, and who did not. */
export interface SurveyResult {
  answers: SurveyAnswer[];
  missing: string[];
}

type ControlMessage =
  | { t: 'node'; info: NodeInfo }
  | { t: 'survey'; id: string; from: string; q: SurveyQuestion }
  | { t: 'answer'; id: string; to: string; node: string; a: SurveyAnswer }
  /** `from` is the sending node: only other nodes' revocations feed a node-local store. */
  | { t: 'revoke'; from: string; notice: RevocationNotice }
  /** A user block or unblock; `from` as for revocations (a node-local store records other nodes' decisions). */
  | { t: 'block'; from: string; notice: BlockNotice }
  /** New live rate-limit settings: every node applies them at once. */
  | { t: 'rate_limits'; from: string; notice: RateLimitsNotice }
  /** Commands for an emulated (SSE/HTTP-streaming) session held by another node; data is base64. */
  | { t: 'emulation'; node: string; session: string; data: string };

/** How often a node announces itself, and after how long without news a node counts as gone. */
export const NODE_INFO_INTERVAL_MS = 3_000;
export const NODE_EXPIRY_MS = 10_000;
/** How long a survey waits for every live node before answering with what it has. */
export const SURVEY_TIMEOUT_MS = 5_000;

interface PendingSurvey {
  waiting: Set<string>;
  answers: SurveyAnswer[];
  done(): void;
}

/**
 * The cluster control plane over the engine's control channel: node heartbeats (so
 * `info` lists every live node) and surveys — fleet operations and connection listings
 * that every node (this one included) answers for its own sessions.
 */
export class ControlPlane {
  private readonly peers = new Map<string, { info: NodeInfo; seenAt: number }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly surveys = new Map<string, PendingSurvey>();

  constructor(
    private readonly node: Node,
    private readonly broker: Broker,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(): void {
    void this.announce();
    this.timer = setInterval(() => void this.announce(), NODE_INFO_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Applies an operation on every live node; resolves with how many sessions it touched in all. */
  async runOp(op: FleetOp): Promise<{ affected: number; missing: string[] }> {
    const started = performance.now();
    const { answers, missing } = await this.survey({ kind: 'op', op });
    this.node.metrics.fleet.observe(op.kind, fleetTarget(op.target), (performance.now() - started) / 1000);
    let affected = 0;
    for (const a of answers) if (a.kind === 'op') affected += a.count;
    return { affected, missing };
  }

  /**
   * Asks every live node (this one included) a question and gathers the answers. Nodes
   * that do not answer within the timeout (crashed, partitioned) are named in `missing`.
   */
  async survey(q: SurveyQuestion, timeoutMs = SURVEY_TIMEOUT_MS): Promise<SurveyResult> {
    const id = randomString(9);
    const waiting = new Set(this.nodes().map((n) => n.uid));
    const answers: SurveyAnswer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finished = new Promise<void>((resolve) => {
      this.surveys.set(id, { waiting, answers, done: resolve });
      timer = setTimeout(resolve, timeoutMs);
    });
    try {
      await this.publish({ t: 'survey', id, from: this.node.id, q });
      await finished;
    } finally {
      clearTimeout(timer);
      this.surveys.delete(id);
    }
    if (waiting.size > 0) this.log.warn({ survey: q.kind, missing: [...waiting] }, 'nodes did not answer a survey in time');
    return { answers, missing: [...waiting] };
  }

  /** Tells every node (this one included) of a revocation; resolves once the engine accepted it. */
  async revoke(notice: RevocationNotice): Promise<void> {
    await this.publish({ t: 'revoke', from: this.node.id, notice });
  }

  /** Tells every node (this one included) of a block or unblock; resolves once the engine accepted it. */
  async block(notice: BlockNotice): Promise<void> {
    await this.publish({ t: 'block', from: this.node.id, notice });
  }

  /** Tells every node (this one included) of new rate-limit settings. */
  async rateLimits(notice: RateLimitsNotice): Promise<void> {
    await this.publish({ t: 'rate_limits', from: this.node.id, notice });
  }

  /** Whether a node id belongs to a live node of the cluster. */
  isLive(uid: string): boolean {
    if (uid === this.node.id) return true;
    const p = this.peers.get(uid);
    return p !== undefined && this.clock.now() - p.seenAt <= NODE_EXPIRY_MS;
  }

  /** Hands commands to the node holding an emulated session (via the engine, so any node may receive them). */
  async forwardEmulation(node: string, session: string, data: Uint8Array): Promise<void> {
    await this.publish({ t: 'emulation', node, session, data: Buffer.from(data).toString('base64') });
  }

  /** Every live node, this one first and always current. */
  nodes(): NodeInfo[] {
    const now = this.clock.now();
    const out = [this.node.info()];
    for (const [uid, p] of this.peers) {
      if (now - p.seenAt > NODE_EXPIRY_MS) this.peers.delete(uid);
      else if (uid !== this.node.id) out.push(p.info);
    }
    return out;
  }

  handle(data: Uint8Array): void {
    let msg: ControlMessage;
    try {
      msg = JSON.parse(Buffer.from(data).toString('utf8')) as ControlMessage;
    } catch {
      this.log.warn('undecodable control message');
      return;
    }
    if (msg.t === 'node') {
      if (msg.info.uid === this.node.id) return;
      const known = this.peers.has(msg.info.uid);
      this.peers.set(msg.info.uid, { info: msg.info, seenAt: this.clock.now() });
      // A newcomer learns of this node now rather than at the next heartbeat.
      if (!known) void this.announce();
      return;
    }
    if (msg.t === 'emulation') {
      if (msg.node === this.node.id) this.node.emulatedSession(msg.session)?.handleFrame(Buffer.from(msg.data, 'base64'));
      return;
    }
    if (msg.t === 'revoke') {
      applyRevocation(this.node, msg.notice, msg.from !== this.node.id).catch((err: unknown) =>
        this.log.error({ err, kind: msg.notice.kind }, 'revocation failed'),
      );
      return;
    }
    if (msg.t === 'block') {
      applyBlockNotice(this.node, msg.notice, msg.from !== this.node.id).catch((err: unknown) =>
        this.log.error({ err, kind: msg.notice.kind }, 'block notice failed'),
      );
      return;
    }
    if (msg.t === 'rate_limits') {
      this.node.deps.rateLimits?.receive(msg.notice, msg.from !== this.node.id).catch((err: unknown) => this.log.error({ err }, 'rate limit notice failed'));
      return;
    }
    if (msg.t === 'survey') {
      void this.answer(msg.id, msg.from, msg.q);
      return;
    }
    if (msg.t === 'answer' && msg.to === this.node.id) {
      const pending = this.surveys.get(msg.id);
      if (!pending) return;
      // A node not yet known when the survey started still counts if it answers in time.
      pending.waiting.delete(msg.node);
      pending.answers.push(msg.a);
      if (pending.waiting.size === 0) pending.done();
    }
  }

  private async answer(id: string, to: string, q: SurveyQuestion): Promise<void> {
    try {
      const a: SurveyAnswer =
        q.kind === 'op' ? { kind: 'op', count: await applyFleetOp(this.node, q.op) } : { kind: 'connections', page: connectionsPage(this.node, q.query) };
      await this.publish({ t: 'answer', id, to, node: this.node.id, a });
    } catch (err) {
      // The asker gets no answer from this node and reports it missing.
      this.log.error({ err, survey: q.kind }, 'survey failed on this node');
    }
  }

  private async announce(): Promise<void> {
    try {
      await this.publish({ t: 'node', info: this.node.info() });
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'node announce failed');
    }
  }

  private publish(msg: ControlMessage): Promise<void> {
    return this.broker.publishControl(Buffer.from(JSON.stringify(msg)));
  }
}

/** How an operation picks its sessions, the narrowest first: the `target` label of its duration. */
function fleetTarget(t: Target): FleetTarget {
  if (t.labelFilter) return 'label_filter';
  if (t.client) return 'client';
  if (t.session) return 'session';
  return t.user === '' && t.allUsers ? 'all_users' : 'user';
}

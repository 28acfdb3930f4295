import type { MqttContext } from './context.js';
import type { SessionSnapshot } from './session.js';

/** How long a CONNECT waits for another node to hand its persistent session over. */
export const HANDOFF_WAIT_MS = 2000;

/**
 * How long a session on its way out keeps listening for the node it goes to; past it, the
 * session ends there (the new node gave up waiting long before).
 */
export const HANDOVER_MAX_MS = 4 * HANDOFF_WAIT_MS;

/**
 * What nodes say on the handoff channel while a persistent session moves, every notice
 * naming the new connection by its nonce:
 * 1. the old node: the session's state (`s`); its filters keep listening there;
 * 2. the new node, once its filters listen: `ack`;
 * 3. the old node: the QoS 1 messages it received between 1 and 2 (`late`), then it ends
 *    the session. So a message published during the move reaches the new node live or
 *    late, and at worst twice (QoS 1 is at least once), never not at all.
 */
export type HandoffNotice = { n: string; s: SessionSnapshot } | { n: string; ack: true } | { n: string; late: SessionSnapshot['messages'] };

/** Sends a handoff notice to every node; failures are logged (the move then falls back to its timeouts). */
export async function sendHandoff(ctx: MqttContext, notice: HandoffNotice, clientId: string): Promise<void> {
  const { node, topics } = ctx;
  try {
    await node.publish(node.rules.resolve(topics.handoffChannel), Buffer.from(JSON.stringify(notice)), { skipHistory: true });
  } catch (err) {
    ctx.log.error({ err, clientId }, 'mqtt session handoff failed');
  }
}

/** Applies a notice that arrived on the handoff channel (each node ignores nonces it does not know). */
export function onHandoffNotice(ctx: MqttContext, notice: Record<string, unknown>): void {
  const { n } = notice;
  if (typeof n !== 'string') return;
  const { sessions } = ctx;
  if (notice.s && typeof notice.s === 'object') sessions.handoffArrived(n, notice.s as SessionSnapshot);
  else if (Array.isArray(notice.late)) sessions.lateArrived(n, notice.late as SessionSnapshot['messages']);
  else if (notice.ack === true) {
    const done = sessions.handoverDone(n);
    if (done) void sendHandoff(ctx, { n, late: done.late }, done.clientId);
  }
}

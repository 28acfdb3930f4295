import type { TimerHandle } from '../../lib/index.js';
import type { MqttSession, SessionSnapshot } from './session.js';

/** A live connection as the registry sees it: something a newer one can take over. */
export interface SessionOwner {
  /** Tells this connection's takeover notices from another's. */
  readonly nonce: string;
  /** Another connection presented the same client id: this one ends (MQTT 5 reason 0x8E). */
  takenOver(): void;
  /** Re-adds the presence of its exact topics (engines expire entries not refreshed). */
  refreshPresence(): Promise<void>;
}

/**
 * This node's MQTT sessions by client id, and the connection holding each. A client id
 * has at most one connection: a second CONNECT takes the session over (MQTT 3.1.4-3).
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, MqttSession>();
  private readonly owners = new Map<string, SessionOwner>();
  /** Connections waiting for another node to hand their session over, by nonce. */
  private readonly handoffs = new Map<string, (s: SessionSnapshot | undefined) => void>();
  /** Sessions on their way to another node, still listening until it listens too, by the new connection's nonce. */
  private readonly outgoing = new Map<string, { session: MqttSession; timer: NodeJS.Timeout }>();
  /** Wills waiting out their MQTT 5 Will Delay Interval, by client id. */
  private readonly wills = new Map<string, TimerHandle>();
  /** Sessions taken over from another node, waiting for what it received meanwhile, by nonce. */
  private readonly incoming = new Map<string, { session: MqttSession; timer: NodeJS.Timeout }>();

  get(clientId: string): MqttSession | undefined {
    return this.sessions.get(clientId);
  }

  add(session: MqttSession): void {
    this.sessions.set(session.clientId, session);
  }

  /** Drops an ended session (not a newer one of the same client id). */
  forget(session: MqttSession): void {
    if (this.sessions.get(session.clientId) === session) this.sessions.delete(session.clientId);
  }

  /** Makes `owner` the client id's connection; the previous one is taken over, a delayed will of the client id is dropped. */
  claim(clientId: string, owner: SessionOwner): void {
    this.cancelWill(clientId);
    const previous = this.owners.get(clientId);
    this.owners.set(clientId, owner);
    if (previous && previous !== owner) previous.takenOver();
  }

  /**
   * Another node accepted a CONNECT for the client id: the connection here (unless it is
   * the one announced) is taken over and the session here ends, since the client now has
   * its session there. With `handoff` the session's state is returned for that node and
   * the session keeps listening until the node confirms it listens too (`handoverDone`),
   * or for `ms` at most.
   */
  claimedElsewhere(clientId: string, nonce: string, handoff: boolean, ms: number): SessionSnapshot | undefined {
    const owner = this.owners.get(clientId);
    if (owner && owner.nonce === nonce) return undefined;
    // The client is back (elsewhere) before its will was due: no will (MQTT 5 §3.1.3.2.2).
    this.cancelWill(clientId);
    if (owner) {
      this.owners.delete(clientId);
      owner.takenOver();
    }
    const session = this.sessions.get(clientId);
    if (!session || session.isEnded) return undefined;
    if (!handoff) {
      void session.end();
      return undefined;
    }
    const snapshot = session.beginHandover();
    const timer = setTimeout(() => {
      this.outgoing.delete(nonce);
      void session.end(true);
    }, ms);
    this.outgoing.set(nonce, { session, timer });
    return snapshot;
  }

  /**
   * The node a session went to listens now: the session here ends, and returns the QoS 1
   * messages it received meanwhile (some may reach that node twice: QoS 1 is at least once).
   */
  handoverDone(nonce: string): { clientId: string; late: SessionSnapshot['messages'] } | undefined {
    const out = this.outgoing.get(nonce);
    if (!out) return undefined;
    this.outgoing.delete(nonce);
    clearTimeout(out.timer);
    const late = out.session.lateMessages();
    void out.session.end(true);
    return { clientId: out.session.clientId, late };
  }

  /** A session restored from another node waits up to `ms` for the messages that node received meanwhile. */
  expectLate(nonce: string, session: MqttSession, ms: number): void {
    const timer = setTimeout(() => this.incoming.delete(nonce), ms);
    this.incoming.set(nonce, { session, timer });
  }

  lateArrived(nonce: string, late: SessionSnapshot['messages']): void {
    const entry = this.incoming.get(nonce);
    if (!entry) return;
    this.incoming.delete(nonce);
    clearTimeout(entry.timer);
    if (!entry.session.isEnded) entry.session.receiveLate(late);
  }

  /** Waits up to `ms` for the session another node hands over to the connection with this nonce. */
  awaitHandoff(nonce: string, ms: number): Promise<SessionSnapshot | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), ms);
      const settle = (s: SessionSnapshot | undefined): void => {
        clearTimeout(timer);
        this.handoffs.delete(nonce);
        resolve(s);
      };
      this.handoffs.set(nonce, settle);
    });
  }

  handoffArrived(nonce: string, snapshot: SessionSnapshot): void {
    this.handoffs.get(nonce)?.(snapshot);
  }

  /** Keeps a scheduled will until it fires or the client id connects again. */
  deferWill(clientId: string, timer: TimerHandle): void {
    this.cancelWill(clientId);
    this.wills.set(clientId, timer);
  }

  /** The will fired (or was dropped): forgets it. */
  willDone(clientId: string, timer: TimerHandle): void {
    if (this.wills.get(clientId) === timer) this.wills.delete(clientId);
  }

  private cancelWill(clientId: string): void {
    this.wills.get(clientId)?.cancel();
    this.wills.delete(clientId);
  }

  release(clientId: string, owner: SessionOwner): void {
    if (this.owners.get(clientId) === owner) this.owners.delete(clientId);
  }

  /** Live connections by client id, for the presence refresh. */
  liveOwners(): IterableIterator<SessionOwner> {
    return this.owners.values();
  }

  get size(): number {
    return this.sessions.size;
  }
}

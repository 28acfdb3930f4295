import type { Clock } from '../lib/index.js';

/** One thing done from the admin UI. */
export interface AdminAction {
  at: string;
  /** The logged-in operator, and where from. */
  user: string;
  address: string;
  /** `api:<method>` or `tokens:<METHOD> <route>`. */
  action: string;
  /** The request as sent (parameters, query). */
  params: unknown;
  ok: boolean;
  error?: string;
}

const CAPACITY = 1000;

/**
 * The admin UI's actions log: the last 1000 state-changing requests made through admin
 * sessions on this node, newest first. Each entry is also logged at info level so it
 * outlives the process in the server's log.
 */
export class ActionsLog {
  private readonly entries: AdminAction[] = [];

  constructor(private readonly clock: Clock) {}

  add(a: Omit<AdminAction, 'at'>): AdminAction {
    const entry = { at: new Date(this.clock.now()).toISOString(), ...a };
    this.entries.push(entry);
    if (this.entries.length > CAPACITY) this.entries.shift();
    return entry;
  }

  list(limit = 200, user?: string): AdminAction[] {
    const out: AdminAction[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.entries[i]!;
      if (!user || e.user === user) out.push(e);
    }
    return out;
  }
}

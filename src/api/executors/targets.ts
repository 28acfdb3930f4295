import type { Client } from '../../node/index.js';
import type { ApiContext } from '../context.js';

export interface Target {
  user: string;
  client: string;
  session: string;
}

/**
 * The sessions on this node a user-targeted call acts on: the user's connections
 * (an empty user is the anonymous bucket), narrowed by client id and session.
 */
export function targetClients(ctx: ApiContext, t: Target): Client[] {
  const { hub } = ctx.node;
  let candidates: Iterable<Client>;
  if (t.client) {
    const c = hub.client(t.client);
    candidates = c && c.user === t.user ? [c] : [];
  } else {
    candidates = hub.userClients(t.user);
  }
  const out: Client[] = [];
  for (const c of candidates) {
    if (t.session && c.session !== t.session) continue;
    out.push(c);
  }
  return out;
}

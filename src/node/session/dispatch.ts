import { DisconnectCode, DisconnectError, commandMethods, type Command, type CommandMethod, type Reply } from '../../protocol/index.js';
import { handleRpc, handleSend } from './app-handlers.js';
import { handleHistory, handlePresence, handlePresenceStats, handlePublish, handleUnsubscribe } from './channel-handlers.js';
import type { Client } from './client.js';
import { handleConnect } from './connect-handler.js';
import { commandFrameType } from './frame-types.js';
import { handleRefresh, handleSubRefresh } from './refresh-handlers.js';
import { handleSubscribe } from './subscribe-handler.js';
import { checkCommandLimits } from './rate-limit-check.js';

/** What a handler produced: the reply (its id is filled in here) and work to run once it is queued. */
export interface HandlerOutcome {
  reply: Reply;
  /** Runs right after the reply is queued (e.g. start live delivery after a subscribe result). */
  after?: () => void;
}

type Handler<K extends CommandMethod> = (client: Client, req: NonNullable<Command[K]>) => HandlerOutcome | void | Promise<HandlerOutcome | void>;

const handlers: { [K in CommandMethod]: Handler<K> } = {
  connect: handleConnect,
  subscribe: handleSubscribe,
  unsubscribe: handleUnsubscribe,
  publish: handlePublish,
  presence: handlePresence,
  presenceStats: handlePresenceStats,
  history: handleHistory,
  // Protocol v2 keeps pings server-initiated; a client `ping` command is a protocol violation.
  ping: async () => {
    throw new DisconnectError(DisconnectCode.badRequest);
  },
  send: handleSend,
  rpc: handleRpc,
  refresh: handleRefresh,
  subRefresh: handleSubRefresh,
};

/** The command's method; undefined for an empty command (a pong). */
export function methodOf(cmd: Command): CommandMethod | undefined {
  for (const m of commandMethods) if (cmd[m] !== undefined) return m;
  return undefined;
}

/**
 * Routes one command. Enforces the session rules: `connect` first and once, a
 * failed connect leaves the connection unusable, an empty command is a pong. Returns what
 * runs once the reply is queued; a promise of it only when the handler needed one.
 */
export function dispatchCommand(client: Client, cmd: Command, method: CommandMethod | undefined): After | Promise<After> {
  if (method === undefined) {
    if (cmd.id === 0 && client.state === 'connected') {
      client.handlePong();
      return undefined;
    }
    throw new DisconnectError(DisconnectCode.badRequest);
  }
  if (method === 'connect' ? client.state !== 'connecting' : client.state !== 'connected') {
    throw new DisconnectError(DisconnectCode.badRequest);
  }
  // Every request but `send` needs an id to reply to.
  if (cmd.id === 0 && method !== 'send') throw new DisconnectError(DisconnectCode.badRequest);
  const limited = checkCommandLimits(client, method, cmd);
  if (limited) return limited.then(() => run(client, cmd, method));
  return run(client, cmd, method);
}

type After = (() => void) | undefined;

function run(client: Client, cmd: Command, method: CommandMethod): After | Promise<After> {
  const handler = handlers[method] as Handler<typeof method>;
  const req = cmd[method];
  const outcome = handler(client, req as never);
  return outcome instanceof Promise ? outcome.then((o) => reply(client, cmd, method, o)) : reply(client, cmd, method, outcome);
}

function reply(client: Client, cmd: Command, method: CommandMethod, outcome: HandlerOutcome | void): After {
  if (!outcome) return undefined;
  client.sendReply({ ...outcome.reply, id: cmd.id }, channelOf(cmd[method]), commandFrameType[method]);
  // The reply may have ended the session (a payload it could not carry): nothing follows it.
  if (client.state === 'closed') return undefined;
  return outcome.after;
}

/** The channel a request names, for logs. */
function channelOf(req: unknown): string | undefined {
  return typeof req === 'object' && req !== null && 'channel' in req && typeof req.channel === 'string' ? req.channel : undefined;
}

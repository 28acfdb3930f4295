import { ApiErrorCode, asApiError, execute, type ApiContext } from '../api/index.js';
import { Attr, noTracer, type ContextGetter, type Tracer } from '../telemetry/index.js';

/**
 * The server API methods a consumed message may carry: the ones that change something.
 * Centrifugo's set (publish, broadcast, subscribe, unsubscribe, disconnect, refresh,
 * history_remove) plus Parsec's own writes; reads have no one to answer to here.
 */
const COMMAND_METHODS: ReadonlySet<string> = new Set([
  'publish',
  'broadcast',
  'subscribe',
  'unsubscribe',
  'disconnect',
  'refresh',
  'history_remove',
  'map_publish',
  'map_remove',
  'map_clear',
  'shared_poll_publish',
  'block_user',
  'unblock_user',
]);

/**
 * What became of one consumed command:
 * - `applied`: done (acknowledge, delete);
 * - `poison`: it can never succeed (not JSON, unknown method, refused by the API with a
 *   code other than internal): log and skip it;
 * - `transient`: the API failed with an internal error (an engine outage): try again later.
 */
export type Outcome = { kind: 'applied' } | { kind: 'poison'; reason: string } | { kind: 'transient'; reason: string };

const APPLIED: Outcome = { kind: 'applied' };

/**
 * Runs consumed commands through the same executors as the HTTP and gRPC server API, so
 * validation and effects are one code path.
 */
export class CommandDispatcher {
  /** `tracer`: `opentelemetry.consuming`, a consumer span per command run. */
  constructor(
    private readonly ctx: ApiContext,
    private readonly consumer: string,
    private readonly tracer: Tracer = noTracer,
  ) {}

  /**
   * `method` as the message carries it (outbox column, stream field, header); when empty the
   * payload is Centrifugo's `{"method": …, "payload": …}` envelope, whose payload may also
   * be a JSON string holding the request (as CDC tools write JSONB).
   */
  dispatch(method: string, payload: string): Promise<Outcome> {
    return this.run(decode(method, payload));
  }

  /** The command a message holds, as `dispatch` reads it, to run later (and again) with `run`. */
  decode(method: string, payload: string): Command {
    return decode(method, payload);
  }

  /**
   * Runs a decoded command; one that could not be decoded is poison. With tracing on, in a
   * consumer span that continues the trace the message carries (`traceparent` via `parent`).
   */
  run(command: Command, parent?: ContextGetter): Promise<Outcome> {
    if (!this.tracer.enabled) return this.execute(command);
    const method = 'method' in command ? command.method : 'unknown';
    const params = 'params' in command && typeof command.params === 'object' && command.params !== null ? (command.params as Record<string, unknown>) : {};
    const attributes = { 'parsec.consumer': this.consumer, [Attr.apiMethod]: method, [Attr.channel]: typeof params['channel'] === 'string' ? params['channel'] : undefined };
    return this.tracer.withSpan(`consume ${method}`, { role: 'consumer', attributes, parent }, async (span) => {
      const outcome = await this.execute(command);
      if (outcome.kind !== 'applied') span.fail(outcome.reason);
      return outcome;
    });
  }

  private async execute(command: Command): Promise<Outcome> {
    if ('reason' in command) return { kind: 'poison', reason: command.reason };
    let result: unknown;
    try {
      result = await execute(this.ctx, command.method, command.params);
    } catch (err) {
      const apiError = asApiError(this.ctx, err);
      const reason = `${command.method}: ${apiError.code} ${apiError.message}`;
      return apiError.code === ApiErrorCode.internal ? { kind: 'transient', reason } : { kind: 'poison', reason };
    }
    // A broadcast answers per channel: any internal failure repeats the whole broadcast, so
    // channels that got it before see it twice unless the command carries an idempotency_key.
    // The cast restates the broadcast executor's result type, which `execute` erases.
    if (command.method === 'broadcast') {
      const failed = (result as { responses: Array<{ error?: { code: number; message: string } }> }).responses.find((r) => r.error?.code === ApiErrorCode.internal);
      if (failed?.error) return { kind: 'transient', reason: `broadcast: ${failed.error.code} ${failed.error.message}` };
    }
    return APPLIED;
  }
}

/** A server API command read from a message, or why none could be. */
export type Command = { method: string; params: unknown } | { reason: string };

function decode(method: string, payload: string): Command {
  const body = parse(payload);
  if (body === undefined) return { reason: 'payload is not valid JSON' };
  if (method !== '') return checked(method, body);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { reason: 'expected {"method": …, "payload": …}' };
  const envelope = body as { method?: unknown; payload?: unknown };
  if (typeof envelope.method !== 'string' || envelope.method === '') return { reason: 'no "method" in the message' };
  let params: unknown = envelope.payload ?? {};
  if (typeof params === 'string') {
    params = parse(params);
    if (params === undefined) return { reason: '"payload" is a string that is not JSON' };
  }
  return checked(envelope.method, params);
}

function checked(method: string, params: unknown): Command {
  if (!COMMAND_METHODS.has(method)) return { reason: `method "${method}" is not a command a consumer can run` };
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return { reason: `${method}: the request must be a JSON object` };
  return { method, params };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

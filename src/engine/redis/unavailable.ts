import { ReplyError } from 'ioredis';
import { EngineError, EngineErrorCode } from '../errors.js';

/**
 * Runs a Redis call, turning connection failures (down, timed out, not writable) into
 * EngineError "unavailable" so callers answer with a temporary error. Errors Redis itself
 * replied with (a script or command bug) stay as they are: they are our fault, not an outage.
 */
export async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ReplyError) throw err;
    throw new EngineError(EngineErrorCode.unavailable, `redis ${what} failed: ${(err as Error).message}`, { cause: err });
  }
}

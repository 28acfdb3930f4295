import { BrokerError, BrokerErrorCode } from './errors.js';

const MAX_ANSWER = 1 << 20;

/**
 * POSTs JSON to a deployment's own service (auth or authorization hook) and returns its
 * status and parsed answer. Bounded in time and size; an unreachable or garbled hook is
 * `unavailable` (503), never a silent grant.
 */
export async function postJson(url: string, body: unknown, timeout: number, headers: Record<string, string> = {}): Promise<{ status: number; answer: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeout),
    });
  } catch (err) {
    throw new BrokerError(BrokerErrorCode.unavailable, `hook ${url} unreachable`, {}, { cause: err });
  }
  const text = await res.text();
  if (text.length > MAX_ANSWER) throw new BrokerError(BrokerErrorCode.unavailable, `hook ${url} answered more than ${MAX_ANSWER} bytes`);
  try {
    return { status: res.status, answer: text ? (JSON.parse(text) as unknown) : undefined };
  } catch (err) {
    if (res.status !== 200) return { status: res.status, answer: undefined };
    throw new BrokerError(BrokerErrorCode.unavailable, `hook ${url} answered something other than JSON`, {}, { cause: err });
  }
}

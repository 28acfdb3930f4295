import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * One dependency readiness depends on. `check` resolves to undefined when it is usable, else
 * to why not, within about a second (a probe's patience); a rejection counts as a failure.
 */
export interface ReadinessCheck {
  /** `engine`, `store`, `jwks:<use>`: the key in the answer. */
  readonly name: string;
  check(): Promise<string | undefined>;
}

/** How long a check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 1_000;

/** A check's answer within the timeout; a check that throws counts as failed, with its message. */
function bounded(c: ReadinessCheck): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS);
  });
  const answer = c.check().catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

/**
 * `GET <health.handler_prefix>/ready`: 200 when every dependency answers, else 503, with
 * each check's result — `{"status":"ready","checks":{"engine":{"ok":true},…}}`. `/health`
 * says whether the process serves (a liveness probe); this says whether it should get
 * traffic now (a readiness probe, a load balancer's health check).
 */
export function handleReadiness(checks: readonly ReadinessCheck[], req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  void Promise.all(checks.map(bounded)).then((results) => answer(checks, results, req, res));
}

function answer(checks: readonly ReadinessCheck[], results: Array<string | undefined>, req: IncomingMessage, res: ServerResponse): void {
  const detail: Record<string, { ok: boolean; reason?: string }> = {};
  checks.forEach((c, i) => {
    const reason = results[i];
    detail[c.name] = reason === undefined ? { ok: true } : { ok: false, reason };
  });
  const ready = results.every((r) => r === undefined);
  const body = JSON.stringify({ status: ready ? 'ready' : 'not_ready', checks: detail });
  res
    .writeHead(ready ? 200 : 503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' })
    .end(req.method === 'HEAD' ? undefined : body);
}

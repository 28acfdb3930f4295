import { until } from './until.js';

/** A JSON reply as the tests read it off a stream. */
export type JsonReply = Record<string, unknown> & {
  id?: number;
  connect?: { client: string; session: string; node: string; pong?: boolean };
  push?: { disconnect?: { code: number; reason: string; reconnect?: boolean } };
};

/**
 * A raw JSON HTTP-streaming or SSE session opened with fetch: its response, and the replies
 * parsed off the body one by one (`\n`-separated lines, or `data:` events for SSE).
 * A body that breaks off (a reset, a truncated chunked response) is not an end: `next()` and
 * `end()` fail with it, so a test expecting one asserts that they reject.
 */
export class RawStream {
  readonly lines: string[] = [];
  private buffered = '';
  private waiter: (() => void) | undefined;
  /** The body ended, cleanly or not. */
  ended = false;
  private broken: Error | undefined;

  private constructor(
    readonly res: Response,
    private readonly abort: AbortController,
    private readonly sse: boolean,
  ) {
    void this.pump();
  }

  /** A stream over any request: `sse` says whether the body is server-sent events. */
  static async fetch(url: string, init: RequestInit = {}, sse = false): Promise<RawStream> {
    const abort = new AbortController();
    const res = await fetch(url, { ...init, signal: abort.signal });
    return new RawStream(res, abort, sse);
  }

  /** Opens `POST /connection/http_stream` (or SSE, GET with `cf_connect`, when `sse`). */
  static async open(httpUrl: string, connect: object, opts: { sse?: boolean; headers?: Record<string, string> } = {}): Promise<RawStream> {
    const abort = new AbortController();
    const command = JSON.stringify({ id: 1, connect });
    const res = opts.sse
      ? await fetch(`${httpUrl}/connection/sse?cf_connect=${encodeURIComponent(command)}`, { headers: opts.headers, signal: abort.signal })
      : await fetch(`${httpUrl}/connection/http_stream`, { method: 'POST', body: command, headers: opts.headers, signal: abort.signal });
    return new RawStream(res, abort, opts.sse ?? false);
  }

  private async pump(): Promise<void> {
    if (!this.res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.res.body) {
        this.buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        this.split();
      }
    } catch (err) {
      // close() aborts on purpose; anything else broke the session rather than ending it.
      if (!this.abort.signal.aborted) this.broken = err instanceof Error ? err : new Error(String(err));
    }
    this.ended = true;
    this.waiter?.();
  }

  private split(): void {
    const sep = this.sse ? '\n\n' : '\n';
    let at: number;
    while ((at = this.buffered.indexOf(sep)) >= 0) {
      const part = this.buffered.slice(0, at);
      this.buffered = this.buffered.slice(at + sep.length);
      const line = this.sse ? part.replace(/^\r\n/, '') : part;
      if (line !== '') this.lines.push(line);
    }
    this.waiter?.();
  }

  private throwIfBroken(): void {
    if (this.broken) throw new Error(`stream reset instead of ending: ${this.broken.message}`, { cause: this.broken });
  }

  /** The next reply, parsed (for SSE, without its `data: ` prefix). */
  async next(ms = 3000): Promise<JsonReply> {
    const deadline = Date.now() + ms;
    while (this.lines.length === 0) {
      if (this.ended) {
        this.throwIfBroken();
        throw new Error('stream ended');
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a reply');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const line = this.lines.shift()!;
    return JSON.parse(this.sse ? line.replace(/^data: /, '') : line) as JsonReply;
  }

  /** Resolves once the server ended the response. */
  async end(ms = 3000): Promise<void> {
    await until(() => this.ended, ms).catch(() => {
      throw new Error('stream did not end');
    });
    this.throwIfBroken();
  }

  close(): void {
    this.abort.abort();
  }
}

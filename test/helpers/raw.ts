import { WebSocket } from 'ws';

/** A bare WebSocket speaking JSON lines, for error paths the SDK never takes. */
export class RawClient {
  readonly messages: unknown[] = [];
  private waiters: Array<() => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      for (const line of data.toString().split('\n')) if (line) this.messages.push(JSON.parse(line));
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** `deflate` false: the handshake offers no permessage-deflate (ws offers it by default). */
  static open(url: string, opts: { headers?: Record<string, string>; protocols?: string[]; deflate?: boolean } = {}): Promise<RawClient> {
    const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers, perMessageDeflate: opts.deflate ?? true });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawClient(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(...commands: unknown[]): void {
    this.ws.send(commands.map((c) => (typeof c === 'string' ? c : JSON.stringify(c))).join('\n'));
  }

  /** Waits for the reply with this id. */
  async reply(id: number, ms = 3000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.find((m) => (m as { id?: number }).id === id);
      if (found) return found as Record<string, unknown>;
      if (Date.now() > deadline) throw new Error(`no reply ${id}; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async closeCode(ms = 5000): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('socket not closed in time')), ms)),
    ]);
  }

  close(): void {
    this.ws.terminate();
  }
}

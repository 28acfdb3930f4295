import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

/** A frame as the server sent it (servers never mask). */
export interface ServerFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

export interface FrameOptions {
  fin?: boolean;
  /** false: sent unmasked, which a server must refuse. */
  mask?: boolean;
  /** Bits 0x40, 0x20, 0x10 of the first byte. */
  rsv?: number;
  /** Length field form regardless of the payload's size: 7, 16 or 64 bits. */
  lengthBits?: 7 | 16 | 64;
  /** Overrides the length written in the header (the payload sent is `payload` still). */
  declaredLength?: number | bigint;
}

/** A client frame, masked with a random key unless told otherwise. */
export function clientFrame(opcode: number, payload: Buffer | string, opts: FrameOptions = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const fin = opts.fin ?? true;
  const mask = opts.mask ?? true;
  const declared = opts.declaredLength ?? data.length;
  const bits = opts.lengthBits ?? (data.length < 126 ? 7 : data.length < 65536 ? 16 : 64);
  const head: number[] = [(fin ? 0x80 : 0) | (opts.rsv ?? 0) | opcode];
  const maskBit = mask ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (bits === 7) head.push(maskBit | Number(declared));
  else if (bits === 16) {
    head.push(maskBit | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(declared));
  } else {
    head.push(maskBit | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(declared));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), ext, data]);
  const key = randomBytes(4);
  const masked = Buffer.from(data);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= key[i & 3]!;
  return Buffer.concat([Buffer.from(head), ext, key, masked]);
}

/** A close frame's payload: code and reason (no code at all when `code` is undefined). */
export function closePayload(code?: number, reason: string | Buffer = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return Buffer.concat([b, typeof reason === 'string' ? Buffer.from(reason) : reason]);
}

export function acceptFor(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

/**
 * A WebSocket client on a bare TCP socket: sends the handshake it is given, then parses what
 * the server writes into the HTTP response head and frames. Frames are written as built.
 */
export class WireClient {
  readonly frames: ServerFrame[] = [];
  response = '';
  ended = false;
  readonly closed: Promise<void>;
  private buf = Buffer.alloc(0);
  private headDone = false;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.take(chunk));
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /**
   * Connects and writes the request: `headers` replace or (null) remove the defaults; `after`
   * goes in the same write, behind the request (the server's `head`).
   */
  static async open(
    t: TestContext,
    port: number,
    opts: { method?: string; path?: string; headers?: Record<string, string | null>; after?: Buffer } = {},
  ): Promise<WireClient> {
    const socket = connect(port, '127.0.0.1');
    t.after(() => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const headers: Record<string, string | null> = {
      Host: `127.0.0.1:${port}`,
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      'Sec-WebSocket-Version': '13',
      ...opts.headers,
    };
    let request = `${opts.method ?? 'GET'} ${opts.path ?? '/connection/websocket'} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) if (v !== null) request += `${k}: ${v}\r\n`;
    const client = new WireClient(socket);
    socket.write(Buffer.concat([Buffer.from(`${request}\r\n`), opts.after ?? Buffer.alloc(0)]));
    await client.until(() => client.headDone || client.ended, 'response head');
    return client;
  }

  get status(): number {
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(this.response)?.[1] ?? 0);
  }

  header(name: string): string | undefined {
    const m = new RegExp(`^${name}: (.*)$`, 'im').exec(this.response);
    return m?.[1]?.trim();
  }

  send(...frames: Buffer[]): void {
    this.socket.write(Buffer.concat(frames));
  }

  /** Writes the bytes one TCP write at a time, `size` bytes each (the server sees them in as many chunks). */
  async sendInPieces(bytes: Buffer, size = 1): Promise<void> {
    this.socket.setNoDelay(true);
    for (let i = 0; i < bytes.length; i += size) {
      await new Promise<void>((resolve) => this.socket.write(bytes.subarray(i, i + size), () => resolve()));
      // Let the write leave before the next, so the server reads the pieces apart.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The next frame not yet taken by `next` (waits for it). */
  async next(what = 'a frame'): Promise<ServerFrame> {
    await this.until(() => this.frames.length > 0, what);
    return this.frames.shift()!;
  }

  /** Frames until a close frame; returns its code (1005 when it has none) and reason. */
  async closeFrame(): Promise<{ code: number; reason: string }> {
    for (;;) {
      const f = await this.next('a close frame');
      if (f.opcode !== 8) continue;
      return f.payload.length === 0 ? { code: 1005, reason: '' } : { code: f.payload.readUInt16BE(0), reason: f.payload.subarray(2).toString() };
    }
  }

  /** The next text frame parsed as JSON lines. */
  async json(): Promise<Array<Record<string, unknown>>> {
    for (;;) {
      const f = await this.next('a text frame');
      if (f.opcode !== 1) continue;
      return f.payload
        .toString()
        .split('\n')
        .filter((l) => l)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    }
  }

  async until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; response ${JSON.stringify(this.response)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private take(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (!this.headDone) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.response = this.buf.subarray(0, end + 4).toString('latin1');
      this.buf = this.buf.subarray(end + 4);
      this.headDone = true;
      // A refusal's body is not frames.
      if (this.status !== 101) this.buf = Buffer.alloc(0);
    }
    for (;;) {
      if (this.buf.length < 2) break;
      let len = this.buf[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (this.buf.length < 4) break;
        len = this.buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) break;
        len = Number(this.buf.readBigUInt64BE(2));
        at = 10;
      }
      if (this.buf.length < at + len) break;
      this.frames.push({ fin: (this.buf[0]! & 0x80) !== 0, opcode: this.buf[0]! & 0x0f, payload: Buffer.from(this.buf.subarray(at, at + len)) });
      this.buf = this.buf.subarray(at + len);
    }
    this.wake();
  }
}

/**
 * How a streaming response frames what a Client's writer hands it. The writer joins the
 * replies queued in one turn with its codec (`\n` between JSON replies, varint-delimited
 * protobuf back to back); a format turns that frame into bytes the SDK's stream parser
 * reads reply by reply.
 */
export interface StreamFormat {
  readonly contentType: string;
  /** Written right after the headers so proxies and browsers see the response start. */
  readonly preamble?: Uint8Array;
  frame(joined: Uint8Array): Uint8Array;
}

const NEWLINE = Buffer.from('\n');

/** HTTP-streaming JSON: the SDK splits on `\n` and needs one after the last reply too. */
export const jsonLines: StreamFormat = {
  contentType: 'application/json',
  frame: (joined) => Buffer.concat([joined, NEWLINE]),
};

/** HTTP-streaming protobuf: varint-delimited replies are self-framing already. */
export const protobufDelimited: StreamFormat = {
  contentType: 'application/octet-stream',
  frame: (joined) => joined,
};

/**
 * Server-sent events: one `data:` event per reply. JSON replies never hold a raw `\n` (the
 * encoder removes them from payloads), so the joined frame splits on it. A raw `\r` can only
 * be insignificant whitespace in a JSON payload, but would end an SSE line, so it goes too.
 */
export const sseEvents: StreamFormat = {
  contentType: 'text/event-stream; charset=utf-8',
  // Centrifugo writes an empty line first so that the response headers go out at once.
  preamble: Buffer.from('\r\n'),
  frame(joined) {
    let text = Buffer.from(joined.buffer, joined.byteOffset, joined.byteLength).toString('utf8');
    if (text.includes('\r')) text = text.replace(/\r/g, '');
    return Buffer.from(`data: ${text.replace(/\n/g, '\n\ndata: ')}\n\n`, 'utf8');
  },
};

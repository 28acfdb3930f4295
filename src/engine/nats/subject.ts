/*
 * Channel names as NATS subject tails. NATS splits subjects at '.', refuses empty tokens
 * and whitespace, and reads a '*' or '>' token as a wildcard, while a channel name may
 * hold any character. Printable ASCII other than '%', '*' and '>' stays as it is, so
 * `news:42` or `chat.room` map to the subject Centrifugo's NATS broker uses too; a '.'
 * stays only where it cannot start, end or double a token. Everything else is
 * percent-escaped: `%XX` per UTF-8 byte, `%uXXXX` for a lone surrogate (a JS string
 * may hold one; UTF-8 cannot), and the empty name is a lone `%`, which no other name
 * produces. Distinct names therefore always get distinct subjects.
 */

const PLAIN = /^[!-$&-)+-\-/-=?-~]+$/;
const DOT = 0x2e;

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

function plainAscii(code: number): boolean {
  return code > 0x20 && code < 0x7f && code !== 0x25 && code !== 0x2a && code !== 0x3e && code !== DOT;
}

/** The subject token(s) for a channel name. */
export function encodeChannel(channel: string): string {
  if (PLAIN.test(channel)) return channel;
  if (channel === '') return '%';
  let out = '';
  const last = channel.length - 1;
  for (let i = 0; i < channel.length; i++) {
    const code = channel.charCodeAt(i);
    if (plainAscii(code)) out += channel[i];
    else if (code === DOT) {
      const ownToken = i > 0 && i < last && channel.charCodeAt(i - 1) !== DOT && channel.charCodeAt(i + 1) !== DOT;
      out += ownToken ? '.' : '%2E';
    } else if (code < 0x80) out += `%${hex(code, 2)}`;
    else {
      const point = channel.codePointAt(i)!;
      if (point >= 0xd800 && point <= 0xdfff) out += `%u${hex(point, 4)}`;
      else {
        for (const b of Buffer.from(String.fromCodePoint(point), 'utf8')) out += `%${hex(b, 2)}`;
        if (point > 0xffff) i++;
      }
    }
  }
  return out;
}

/** The channel name back from what `encodeChannel` produced. */
export function decodeChannel(token: string): string {
  if (token === '%') return '';
  let out = '';
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length > 0) out += Buffer.from(bytes).toString('utf8');
    bytes = [];
  };
  for (let i = 0; i < token.length; i++) {
    if (token[i] !== '%') {
      flush();
      out += token[i];
    } else if (token[i + 1] === 'u') {
      flush();
      out += String.fromCharCode(parseInt(token.slice(i + 2, i + 6), 16));
      i += 5;
    } else {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    }
  }
  flush();
  return out;
}

/** Whether a channel name holds a NATS wildcard character, as Centrifugo checks it. */
export function hasWildcard(channel: string): boolean {
  return channel.includes('*') || channel.includes('>');
}

/**
 * The subject tail of a wildcard subscription (`broker.nats.allow_wildcards`): a `*` token
 * matches any one token and a last `>` token the rest, so `news.*` receives `news.a`.
 * Other tokens are encoded as single names are, which keeps a concrete channel and the
 * pattern matching it in step for names made of plain tokens.
 */
export function encodeWildcardChannel(channel: string): string {
  const tokens = channel.split('.');
  const last = tokens.length - 1;
  return tokens.map((t, i) => (t === '*' || (t === '>' && i === last) ? t : encodeChannel(t))).join('.');
}

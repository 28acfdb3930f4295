import { isUtf8 } from 'node:buffer';

/**
 * Checks that payload bytes are one JSON value before the JSON codec embeds them raw.
 * Protobuf clients and the server API (`b64data`, `b64info`) may hand over any bytes;
 * embedded as they are, bytes that are not JSON would make the whole frame invalid.
 */

// ignoreBOM keeps a leading BOM in the text, so it is checked (and refused) like any other byte.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const LBRACKET = 0x5b;
const BACKSLASH = 0x5c;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

const OBJECT = 1;
const ARRAY = 2;

/**
 * Kinds of the open containers. Module-level and grown on demand: validation allocates
 * nothing per call, and nesting depth is bounded by memory, not by the call stack.
 */
let stack = new Uint8Array(32);

function push(depth: number, kind: number): void {
  if (depth === stack.length) {
    const grown = new Uint8Array(stack.length * 2);
    grown.set(stack);
    stack = grown;
  }
  stack[depth] = kind;
}

function skipSpace(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) return i;
    i++;
  }
}

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/** End of the string literal opening at `i`, or -1. */
function stringEnd(s: string, i: number): number {
  const n = s.length;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    if (c < SPACE) return -1;
    if (c !== BACKSLASH) continue;
    const e = s.charCodeAt(++j);
    if (e === 0x75 /* u */) {
      if (!(isHex(s.charCodeAt(j + 1)) && isHex(s.charCodeAt(j + 2)) && isHex(s.charCodeAt(j + 3)) && isHex(s.charCodeAt(j + 4)))) return -1;
      j += 4;
    } else if (
      e !== QUOTE &&
      e !== BACKSLASH &&
      e !== 0x2f /* / */ &&
      e !== 0x62 /* b */ &&
      e !== 0x66 /* f */ &&
      e !== 0x6e /* n */ &&
      e !== 0x72 /* r */ &&
      e !== 0x74 /* t */
    ) {
      return -1;
    }
  }
  return -1;
}

function digitsEnd(s: string, i: number): number {
  if (!isDigit(s.charCodeAt(i))) return -1;
  do i++;
  while (isDigit(s.charCodeAt(i)));
  return i;
}

/** End of the number starting at `i`, or -1. */
function numberEnd(s: string, i: number): number {
  if (s.charCodeAt(i) === MINUS) i++;
  if (s.charCodeAt(i) === ZERO) i++;
  else if ((i = digitsEnd(s, i)) < 0) return -1;
  if (s.charCodeAt(i) === DOT && (i = digitsEnd(s, i + 1)) < 0) return -1;
  const e = s.charCodeAt(i) | 0x20;
  if (e === 0x65 /* e */) {
    const sign = s.charCodeAt(i + 1);
    i = digitsEnd(s, sign === PLUS || sign === MINUS ? i + 2 : i + 1);
  }
  return i;
}

/** Index after `"key":` (with the spaces around the colon) starting at `i`, or -1. */
function keyEnd(s: string, i: number): number {
  if (s.charCodeAt(i) !== QUOTE) return -1;
  const end = stringEnd(s, i);
  if (end < 0) return -1;
  i = skipSpace(s, end);
  return s.charCodeAt(i) === COLON ? i + 1 : -1;
}

/** Index after a literal (`true`, `false`, `null`) at `i`, or -1. */
function literalEnd(s: string, i: number, word: string): number {
  return s.startsWith(word, i) ? i + word.length : -1;
}

/**
 * Whether `s` is exactly one JSON value (RFC 8259), whitespace around it allowed. One
 * pass without recursion or allocation; no value is built.
 */
export function isJsonText(s: string): boolean {
  const n = s.length;
  let i = 0;
  let depth = 0;
  for (;;) {
    // A value starts here.
    i = skipSpace(s, i);
    const c = s.charCodeAt(i);
    if (c === LBRACE || c === LBRACKET) {
      i = skipSpace(s, i + 1);
      if (s.charCodeAt(i) === (c === LBRACE ? RBRACE : RBRACKET)) {
        i++;
      } else {
        push(depth++, c === LBRACE ? OBJECT : ARRAY);
        if (c === LBRACE && (i = keyEnd(s, i)) < 0) return false;
        continue;
      }
    } else if (c === QUOTE) {
      i = stringEnd(s, i);
    } else if (c === MINUS || isDigit(c)) {
      i = numberEnd(s, i);
    } else if (c === 0x74 /* t */) {
      i = literalEnd(s, i, 'true');
    } else if (c === 0x66 /* f */) {
      i = literalEnd(s, i, 'false');
    } else if (c === 0x6e /* n */) {
      i = literalEnd(s, i, 'null');
    } else {
      return false;
    }
    if (i < 0) return false;
    // A value ended: close containers until one continues with a comma.
    for (;;) {
      i = skipSpace(s, i);
      if (depth === 0) return i === n;
      const d = s.charCodeAt(i++);
      const kind = stack[depth - 1];
      if (d === COMMA) {
        if (kind === OBJECT && (i = keyEnd(s, skipSpace(s, i))) < 0) return false;
        break;
      }
      if (d !== (kind === OBJECT ? RBRACE : RBRACKET)) return false;
      depth--;
    }
  }
}

/** The payload as text when it is UTF-8 holding one JSON value; undefined otherwise. */
export function jsonPayloadText(bytes: Uint8Array): string | undefined {
  // isUtf8 is native: invalid UTF-8 (most binary) is refused without a decode.
  if (!isUtf8(bytes)) return undefined;
  const text = decoder.decode(bytes);
  return isJsonText(text) ? text : undefined;
}

/** Where the 32 hex digits of a UUID's text are (the dashes sit at 8, 13, 18, 23). */
const DIGIT_AT = [...Array(36).keys()].filter((i) => i !== 8 && i !== 13 && i !== 18 && i !== 23);
/** Each ASCII code's value as a lowercase hex digit; -1 for any other character. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let d = 0; d < 16; d++) HEX_VALUE['0123456789abcdef'.charCodeAt(d)] = d;

/**
 * Writes a UUID's text (lowercase, `8-4-4-4-12`, as Parsec makes client ids) as four 32-bit
 * words into `out` at `at`, the first digits in the first word. Returns false, leaving the
 * words undefined, for any other text: an id of another shape (an MQTT client's own, say)
 * or uppercase digits, which would not come back the same from `uuidText`.
 */
export function uuidWords(s: string, out: Uint32Array, at: number): boolean {
  if (s.length !== 36 || s.charCodeAt(8) !== 45 || s.charCodeAt(13) !== 45 || s.charCodeAt(18) !== 45 || s.charCodeAt(23) !== 45) return false;
  let word = 0;
  for (let k = 0; k < 32; k++) {
    const c = s.charCodeAt(DIGIT_AT[k]!);
    const v = c < 128 ? HEX_VALUE[c]! : -1;
    if (v < 0) return false;
    word = (word << 4) | v;
    if ((k & 7) === 7) {
      out[at + (k >> 3)] = word >>> 0;
      word = 0;
    }
  }
  return true;
}

/** The text `uuidWords` read the four words at `at` from. */
export function uuidText(words: Uint32Array, at: number): string {
  const hex = (k: number): string => words[at + k]!.toString(16).padStart(8, '0');
  const b = hex(1);
  const c = hex(2);
  return `${hex(0)}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${hex(3)}`;
}

import { Histogram, nowMicros } from './histogram.js';

/**
 * Publications a load process received and their latencies. A publication is found by
 * its `"t":<µs>` stamp with Buffer.indexOf, never by parsing, so the load generator
 * costs as little per message as possible.
 */
export const received = { delivered: 0, histogram: new Histogram() };

const STAMP = Buffer.from('"t":');

/**
 * Counts the stamps in `data`. Returns where an unfinished stamp starts (a byte stream
 * cut mid-stamp: its digits run to the end, or the end is a prefix of `"t":`), so the
 * caller can join it to what comes next; `data.length` when nothing is left over.
 * WebSocket messages are whole and never leave anything over.
 */
export function countStamps(data: Buffer): number {
  const now = nowMicros();
  let i = data.indexOf(STAMP);
  while (i !== -1) {
    let j = i + STAMP.length;
    let t = 0;
    for (let c = data[j]; c !== undefined && c >= 0x30 && c <= 0x39; c = data[++j]) t = t * 10 + (c - 0x30);
    if (j >= data.length) return i;
    received.histogram.record(now - t);
    received.delivered++;
    i = data.indexOf(STAMP, j);
  }
  for (let k = Math.max(0, data.length - STAMP.length + 1); k < data.length; k++) {
    if (STAMP.subarray(0, data.length - k).equals(data.subarray(k))) return k;
  }
  return data.length;
}

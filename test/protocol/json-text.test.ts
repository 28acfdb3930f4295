import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isJsonText, jsonPayloadText } from '../../src/protocol/json-text.js';

/** JSON.parse is the reference: the validator must agree with it on every text. */
function parses(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

const valid = [
  '{}',
  '[]',
  ' \t\r\n{ } \n',
  '{"a":1}',
  '{"text":"hi","n":-1.5e+10,"ok":true,"no":false,"nil":null,"list":[1,[2,[3,{}]],"x"]}',
  '"plain string"',
  '"esc \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00"',
  '"ünïcödé 日本 😀"',
  '0',
  '-0',
  '12',
  '1.25',
  '1e5',
  '1E-5',
  '-0.0e+0',
  'true',
  'false',
  'null',
  '{ "a" : [ 1 , 2 ] , "b" : { "c" : "d" } }',
];

const invalid = [
  '',
  ' ',
  '{',
  '}',
  '[',
  '{"a":1',
  '{"a":1,}',
  '[1,]',
  '[1 2]',
  '{"a" 1}',
  '{a:1}',
  "{'a':1}",
  '{"a":1}}',
  '[1}',
  '{"a":1]',
  '"unterminated',
  '"bad escape \\x"',
  '"short \\u12"',
  '"raw\nnewline"',
  '"raw\ttab"',
  '01',
  '-',
  '1.',
  '.5',
  '1e',
  '1e+',
  '+1',
  'tru',
  'nul',
  'True',
  'NaN',
  'Infinity',
  '1 2',
  '{}{}',
  '{"a":1} x',
  '\uFEFF{}',
  'hello',
];

describe('JSON payload validation', () => {
  it('accepts every JSON value, as JSON.parse does', () => {
    for (const s of valid) {
      assert.equal(parses(s), true, `reference rejects ${JSON.stringify(s)}`);
      assert.equal(isJsonText(s), true, JSON.stringify(s));
    }
  });

  it('rejects partial, trailing and malformed JSON, as JSON.parse does', () => {
    for (const s of invalid) {
      assert.equal(parses(s), false, `reference accepts ${JSON.stringify(s)}`);
      assert.equal(isJsonText(s), false, JSON.stringify(s));
    }
  });

  it('agrees with JSON.parse on every prefix of a document', () => {
    const doc = JSON.stringify({ a: [1, -2.5e3, 'x\n"y"', { b: null, c: true }], d: '日本', e: {} });
    for (let i = 0; i <= doc.length; i++) {
      const s = doc.slice(0, i);
      assert.equal(isJsonText(s), parses(s), JSON.stringify(s));
    }
  });

  it('handles nesting far deeper than the call stack allows', () => {
    const depth = 200_000;
    assert.equal(isJsonText('['.repeat(depth) + ']'.repeat(depth)), true);
    assert.equal(isJsonText('{"a":'.repeat(depth) + '1' + '}'.repeat(depth)), true);
    assert.equal(isJsonText('['.repeat(depth) + ']'.repeat(depth - 1)), false);
    // The grown stack is reused: a shallow document right after still validates.
    assert.equal(isJsonText('[{"a":[]}]'), true);
  });

  it('returns the text of UTF-8 JSON payloads', () => {
    const bytes = Buffer.from('{"msg":"héllo 😀"}');
    assert.equal(jsonPayloadText(bytes), '{"msg":"héllo 😀"}');
    assert.equal(jsonPayloadText(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)), '{"msg":"héllo 😀"}');
  });

  it('rejects binary and invalid UTF-8, even when inside a JSON string', () => {
    assert.equal(jsonPayloadText(Uint8Array.from([0x00, 0x01, 0x02, 0xff])), undefined);
    assert.equal(jsonPayloadText(Uint8Array.from([0x08, 0x96, 0x01])), undefined); // a protobuf message
    assert.equal(jsonPayloadText(Buffer.concat([Buffer.from('"a'), Buffer.from([0xff]), Buffer.from('"')])), undefined);
    assert.equal(jsonPayloadText(Buffer.concat([Buffer.from('"a'), Buffer.from([0xc3]), Buffer.from('"')])), undefined); // cut sequence
    assert.equal(jsonPayloadText(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), undefined); // BOM + {}
    assert.equal(jsonPayloadText(Buffer.from('{"a":')), undefined);
    assert.equal(jsonPayloadText(Buffer.from('hello')), undefined);
  });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RawSubjects } from '../../src/engine/nats/raw-subject.js';
import { decodeChannel, encodeChannel, encodeWildcardChannel, hasWildcard } from '../../src/engine/nats/subject.js';
import { withSeed } from '../helpers/random.js';

/** A NATS subject token rule: no whitespace, no wildcard token, no empty token. */
function assertValidTail(subjectTail: string): void {
  assert.doesNotMatch(subjectTail, /[\s\u0000-\u001f\u007f]/, `whitespace or control in ${JSON.stringify(subjectTail)}`);
  for (const token of subjectTail.split('.')) {
    assert.notEqual(token, '', `empty token in ${JSON.stringify(subjectTail)}`);
    assert.ok(!token.includes('*') && !token.includes('>'), `wildcard in ${JSON.stringify(subjectTail)}`);
  }
  assert.match(subjectTail, /^[\x21-\x7e]+$/);
}

it('keeps ordinary channel names as Centrifugo writes them into subjects', () => {
  for (const name of ['news', 'news:42', 'chat.room', '$private:x', 'personal:#42', 'dm:#alice,bob', 'a-b_c/d=e?f']) {
    assert.equal(encodeChannel(name), name);
  }
});

it('escapes what NATS would misread, and decodes every name back', () => {
  const names = [
    '', ' ', 'a b', '*', '>', 'a.*', 'a.>', '.', '..', 'a..b', '.a', 'a.', '%', '%2E', '%u0041', 'a%b',
    'tab\there', 'nl\nx', '\u0000', 'ü', '€uro', '😀', 'a\ud800b', '\udfff', 'mixed.ü.😀 x*>%',
  ];
  const subjects = new Set<string>();
  for (const name of names) {
    const tail = encodeChannel(name);
    assertValidTail(tail);
    assert.equal(decodeChannel(tail), name, JSON.stringify(name));
    subjects.add(tail);
  }
  assert.equal(subjects.size, names.length, 'distinct names share a subject');
});

it('round-trips random strings over the whole UTF-16 range', () =>
  withSeed((random) => {
    for (let n = 0; n < 2000; n++) {
      const len = Math.floor(random() * 12);
      const name = String.fromCharCode(...Array.from({ length: len }, () => (random() < 0.5 ? 0x20 + Math.floor(random() * 0x60) : Math.floor(random() * 0x10000))));
      const tail = encodeChannel(name);
      assertValidTail(tail);
      assert.equal(decodeChannel(tail), name);
    }
  }));

it('keeps whole-token wildcards of a wildcard channel and encodes the rest as names', () => {
  assert.equal(encodeWildcardChannel('news.*'), 'news.*');
  assert.equal(encodeWildcardChannel('news.>'), 'news.>');
  assert.equal(encodeWildcardChannel('chat:room.*.x'), 'chat:room.*.x');
  // Only a last '>' is a wildcard; a '*' inside a token is a character.
  assert.equal(encodeWildcardChannel('a.>.b'), 'a.%3E.b');
  assert.equal(encodeWildcardChannel('news*.*'), 'news%2A.*');
  // The concrete channels a pattern is meant to match encode to subjects it matches.
  assert.equal(encodeChannel('news.a'), 'news.a');
  assert.ok(hasWildcard('news.*') && hasWildcard('x>') && !hasWildcard('news.a'));
});

it('makes raw subjects from the prefix and the replaced name, longest replacement first', () => {
  const raw = new RawSubjects({ prefix: 'ext.', channelReplacements: { ':': '.', '::': '_' } });
  assert.equal(raw.subject('chat:room'), 'ext.chat.room');
  assert.equal(raw.subject('a::b:c'), 'ext.a_b.c');
  assert.equal(raw.channelOf('ext.chat.room'), 'chat.room');
  assert.equal(raw.subject('bad name'), undefined, 'whitespace would split the subject');
  assert.equal(raw.subject('chat:'), undefined, 'an empty last token');
  assert.equal(new RawSubjects({ prefix: '', channelReplacements: {} }).subject(''), undefined);
});

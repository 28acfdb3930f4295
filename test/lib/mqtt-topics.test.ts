import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TopicAcl, TopicAclError } from '../../src/auth/index.js';
import { filterCovers, topicFilterProblem, topicMatches, topicNameProblem } from '../../src/lib/index.js';

describe('MQTT topics', () => {
  it('matches filters as MQTT 4.7 says', () => {
    const cases: Array<[string, string, boolean]> = [
      ['a/b/c', 'a/b/c', true],
      ['a/+/c', 'a/b/c', true],
      ['a/+/c', 'a/b/d', false],
      ['a/#', 'a', true],
      ['a/#', 'a/b/c', true],
      ['#', 'a/b', true],
      ['+', 'a', true],
      ['+', 'a/b', false],
      ['+/+', '/a', true],
      ['#', '$SYS/x', false],
      ['+/x', '$SYS/x', false],
      ['$SYS/#', '$SYS/x', true],
      ['a/b', 'a/b/c', false],
    ];
    for (const [filter, topic, expected] of cases) assert.equal(topicMatches(filter, topic), expected, `${filter} ~ ${topic}`);
  });

  it('tells whether one filter covers every topic of another', () => {
    const cases: Array<[string, string, boolean]> = [
      ['#', 'a/+/#', true],
      ['a/#', 'a/b/+', true],
      ['a/+', 'a/b', true],
      ['a/+', 'a/#', false],
      ['a/b', 'a/+', false],
      ['sensors/+/temp', 'sensors/+/temp', true],
      ['sensors/+/temp', 'sensors/#', false],
    ];
    for (const [outer, inner, expected] of cases) assert.equal(filterCovers(outer, inner), expected, `${outer} ⊇ ${inner}`);
  });

  it('names what is wrong with a topic or filter', () => {
    assert.equal(topicNameProblem('a/+'), 'wildcard in a topic name');
    assert.equal(topicNameProblem(''), 'empty topic');
    assert.equal(topicNameProblem('a\uFFFD'), 'topic is not valid UTF-8');
    assert.equal(topicFilterProblem('a/#/b'), '"#" must be the last level on its own');
    assert.equal(topicFilterProblem('a/b+'), '"+" must be a level on its own');
    assert.equal(topicFilterProblem('a/+/#'), undefined);
  });

  it('reads every topicAcl claim form, with {sub} as the client id', () => {
    const all = TopicAcl.parse('#', 'd1');
    assert.ok(all.mayPublish('x/y') && all.maySubscribe('#'));
    const list = TopicAcl.parse(['fleet/{sub}/#'], 'd1');
    assert.ok(list.mayPublish('fleet/d1/x') && !list.mayPublish('fleet/d2/x') && list.maySubscribe('fleet/d1/+'));
    const split = TopicAcl.parse({ publish: 'up/{sub}', subscribe: ['down/{sub}'] }, 'd1');
    assert.ok(split.mayPublish('up/d1') && !split.maySubscribe('up/d1') && split.maySubscribe('down/d1') && !split.mayPublish('down/d1'));
    assert.throws(() => TopicAcl.parse({ read: ['#'] }, 'd1'), TopicAclError);
    assert.throws(() => TopicAcl.parse(['a/#/b'], 'd1'), /topicAcl\[0\]: "#" must be the last level/);
    assert.throws(() => TopicAcl.parse(42, 'd1'), TopicAclError);
  });
});

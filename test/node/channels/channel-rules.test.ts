import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChannelRules } from '../../../src/node/channels/channel-rules.js';
import { ClientError } from '../../../src/protocol/index.js';
import { namespace, testConfig } from '../../helpers/server.js';

describe('ChannelRules', () => {
  const cfg = testConfig((c) => {
    c.channel.namespaces = [namespace('chat', { historySize: 5, historyTtl: 1000 }), namespace('strict', { channelRegex: '^[a-z]+$' })];
  }).channel;
  const rules = new ChannelRules(cfg);

  it('resolves namespaces, private prefix and user-limited channels', () => {
    const ch = rules.resolve('$chat:room#alice,bob');
    assert.equal(ch.namespace, 'chat');
    assert.equal(ch.private, true);
    assert.deepEqual(ch.allowedUsers, ['alice', 'bob']);
    assert.equal(ch.history, true);
    assert.equal(ch.historyMetaTtl, cfg.historyMetaTtl);
    assert.equal(rules.resolve('plain').namespace, '');
  });

  it('rejects unknown namespaces (102), long names (107) and regex misses (102)', () => {
    assert.throws(() => rules.resolve('nope:x'), (e: ClientError) => e.code === 102);
    assert.throws(() => rules.resolve('x'.repeat(300)), (e: ClientError) => e.code === 107);
    assert.throws(() => rules.resolve('strict:ABC'), (e: ClientError) => e.code === 102);
    assert.equal(rules.resolve('strict:abc').namespace, 'strict');
    assert.throws(() => rules.resolve('chat:\ud800x'), (e: ClientError) => e.code === 107);
    assert.equal(rules.resolve('chat:ü€😀').namespace, 'chat');
  });

  it('builds personal channels', () => {
    assert.equal(rules.personalChannel('chat', 'u1'), 'chat:#u1');
    assert.equal(rules.personalChannel('', 'u1'), '#u1');
  });
});

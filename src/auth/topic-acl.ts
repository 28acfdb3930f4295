import { filterCovers, topicFilterProblem, topicMatches } from '../lib/index.js';

/** What a `topicAcl` claim is not, said to the operator who issued it. */
export class TopicAclError extends Error {
  override readonly name = 'TopicAclError';
  readonly code = 'PARSEC_MQTT_BAD_TOPIC_ACL';
}

/**
 * A token's topic ACL: the filters a client may publish to and subscribe with. The claim
 * is `#` (everything), one filter, a list of filters (both directions), or
 * `{"publish": [...], "subscribe": [...]}`; `{sub}` in a filter stands for the client id.
 * A token without the claim may connect but neither publish nor subscribe (fail closed).
 */
export class TopicAcl {
  private constructor(
    private readonly publish: readonly string[],
    private readonly subscribe: readonly string[],
  ) {}

  /** No topic at all: a token without the claim. */
  static readonly none = new TopicAcl([], []);

  static parse(claim: unknown, clientId: string): TopicAcl {
    if (claim === undefined || claim === null) return TopicAcl.none;
    if (typeof claim === 'string' || Array.isArray(claim)) {
      const both = filters(claim, clientId, 'topicAcl');
      return new TopicAcl(both, both);
    }
    if (typeof claim === 'object') {
      const o = claim as Record<string, unknown>;
      const unknownKey = Object.keys(o).find((k) => k !== 'publish' && k !== 'subscribe');
      if (unknownKey) throw new TopicAclError(`topicAcl: unknown key ${JSON.stringify(unknownKey)} (expected "publish" and/or "subscribe")`);
      return new TopicAcl(filters(o.publish ?? [], clientId, 'topicAcl.publish'), filters(o.subscribe ?? [], clientId, 'topicAcl.subscribe'));
    }
    throw new TopicAclError('topicAcl: expected "#", a topic filter, a list of them, or {"publish": [...], "subscribe": [...]}');
  }

  mayPublish(topic: string): boolean {
    return this.publish.some((f) => topicMatches(f, topic));
  }

  /** Whether the filter asks for nothing beyond what the ACL grants. */
  maySubscribe(filter: string): boolean {
    return this.subscribe.some((f) => filterCovers(f, filter));
  }
}

/** Checks an ACL claim's shape without a client id (the credentials endpoint). */
export function checkTopicAcl(claim: unknown): void {
  TopicAcl.parse(claim, 'x');
}

function filters(v: unknown, clientId: string, at: string): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list)) throw new TopicAclError(`${at}: expected a topic filter or a list of them`);
  return list.map((f, i) => {
    if (typeof f !== 'string') throw new TopicAclError(`${at}[${i}]: expected a string`);
    const filter = f.replaceAll('{sub}', clientId);
    const problem = topicFilterProblem(filter);
    if (problem) throw new TopicAclError(`${at}[${i}]: ${problem}`);
    return filter;
  });
}

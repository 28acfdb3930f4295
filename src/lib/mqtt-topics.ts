/* MQTT topic names and filters: validation and matching (MQTT 3.1.1 §4.7, 5 §4.7). */

/** The longest topic MQTT can carry (a two-byte length prefix). */
const MAX_TOPIC_BYTES = 65_535;

/**
 * A decoded string that had invalid UTF-8 shows U+FFFD where the bad bytes were; the
 * spec makes ill-formed UTF-8 a protocol error, so topics holding it are refused.
 */
const REPLACEMENT = '\uFFFD';

/** Why a topic name or filter is refused, for the log; undefined when it is fine. */
export function topicNameProblem(topic: string): string | undefined {
  if (topic === '') return 'empty topic';
  if (Buffer.byteLength(topic) > MAX_TOPIC_BYTES) return 'topic too long';
  if (topic.includes('+') || topic.includes('#')) return 'wildcard in a topic name';
  return textProblem(topic);
}

export function topicFilterProblem(filter: string): string | undefined {
  if (filter === '') return 'empty topic filter';
  if (Buffer.byteLength(filter) > MAX_TOPIC_BYTES) return 'topic filter too long';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '"#" must be the last level on its own';
    if (level.includes('+') && level !== '+') return '"+" must be a level on its own';
  }
  return textProblem(filter);
}

function textProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'null character in topic';
  if (s.includes(REPLACEMENT)) return 'topic is not valid UTF-8';
  return undefined;
}

export function hasWildcard(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}

/** Topics starting with `$` are the server's (MQTT 4.7.2): clients neither publish to them nor subscribe. */
export function isServerTopic(topicOrFilter: string): boolean {
  return topicOrFilter.startsWith('$');
}

/** Whether `topic` matches `filter` (`+` one level, `#` this level and all below, including none). */
export function topicMatches(filter: string, topic: string): boolean {
  // Leading wildcards never match server topics (MQTT 4.7.2).
  if (isServerTopic(topic) && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether every topic `inner` matches is matched by `outer` too. */
export function filterCovers(outer: string, inner: string): boolean {
  const o = outer.split('/');
  const n = inner.split('/');
  for (let i = 0; i < o.length; i++) {
    const level = o[i]!;
    if (level === '#') return true;
    if (i >= n.length) return false;
    const want = n[i]!;
    if (want === '#') return false;
    if (level !== '+' && level !== want) return false;
  }
  return o.length === n.length;
}

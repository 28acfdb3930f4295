import { ApiError, ApiErrorCode } from '../errors.js';

/**
 * Glob patterns as Centrifugo's `channels` method takes them (gobwas/glob syntax):
 * `*` any run, `?` one character, `[abc]`/`[!abc]`/`[a-z]` classes, `{a,b}` alternatives.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    switch (c) {
      case '*':
        re += '.*';
        break;
      case '?':
        re += '.';
        break;
      case '[': {
        const end = pattern.indexOf(']', i + 1);
        if (end < 0) throw new ApiError(ApiErrorCode.badRequest, 'bad request: unclosed [ in pattern');
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
        break;
      }
      case '{':
        depth++;
        re += '(?:';
        break;
      case '}':
        if (depth === 0) throw new ApiError(ApiErrorCode.badRequest, 'bad request: unbalanced } in pattern');
        depth--;
        re += ')';
        break;
      case ',':
        re += depth > 0 ? '|' : ',';
        break;
      case '\\':
        i++;
        re += (pattern[i] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        break;
      default:
        re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  if (depth !== 0) throw new ApiError(ApiErrorCode.badRequest, 'bad request: unbalanced { in pattern');
  return new RegExp(`^${re}$`);
}

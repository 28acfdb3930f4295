import { FilterError, compileFilter, type FilterNode } from '../filter/index.js';
import { ApiError, ApiErrorCode } from './errors.js';

/** Checks a request's label filter up front, so a bad one fails the call (107) before any node acts. */
export function checkedFilter(field: string, filter: Record<string, unknown> | undefined): FilterNode | undefined {
  if (filter === undefined) return undefined;
  try {
    compileFilter(filter);
  } catch (err) {
    if (err instanceof FilterError) throw new ApiError(ApiErrorCode.badRequest, `bad request: ${field}: ${err.message}`);
    throw err;
  }
  return filter as FilterNode;
}

/**
 * Why an engine refused an operation. The node turns each code into what a client or
 * API caller is told, in one table (node/engine-errors.ts).
 */
export const EngineErrorCode = {
  /** The engine lacks the feature (e.g. history on a broker that keeps none); retrying will not help. */
  notSupported: 'PARSEC_ENGINE_NOT_SUPPORTED',
  /** The engine cannot take this request as made (a wildcard channel where a concrete one is needed); retrying will not help. */
  badRequest: 'PARSEC_ENGINE_BAD_REQUEST',
  /** The engine's backing service is unreachable right now; a retry may succeed. */
  unavailable: 'PARSEC_ENGINE_UNAVAILABLE',
} as const;
export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode];

export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly code: EngineErrorCode;

  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

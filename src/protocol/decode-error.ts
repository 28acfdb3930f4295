/** A client frame that cannot be decoded into commands; the connection ends with 3501. */
export class FrameDecodeError extends Error {
  override readonly name = 'FrameDecodeError';
  readonly code = 'PARSEC_BAD_FRAME';
}

/** Why a call to a backend produced no usable reply. */
export const ProxyCallErrorCode = {
  /** No reply within the proxy's `timeout` (waiting for a free slot included). */
  timeout: 'PARSEC_PROXY_TIMEOUT',
  /** The backend could not be reached, or the connection broke. */
  unreachable: 'PARSEC_PROXY_UNREACHABLE',
  /** HTTP status other than 200, or a gRPC status other than OK. */
  status: 'PARSEC_PROXY_STATUS',
  /** A reply that is not JSON / protobuf shaped as proxy.proto says. */
  malformed: 'PARSEC_PROXY_MALFORMED_REPLY',
  /** The request could not be encoded (non-JSON payload without `binary_encoding`). */
  encoding: 'PARSEC_PROXY_ENCODING',
} as const;
export type ProxyCallErrorCode = (typeof ProxyCallErrorCode)[keyof typeof ProxyCallErrorCode];

/** A failed call to a backend; clients get error 100 (internal, temporary) for it. */
export class ProxyCallError extends Error {
  override readonly name = 'ProxyCallError';

  /** The backend's HTTP status, for `status` failures of HTTP proxies (`http.status_to_code_transforms` reads it). */
  readonly httpStatus: number | undefined;

  constructor(
    readonly code: ProxyCallErrorCode,
    message: string,
    options?: { cause?: unknown; httpStatus?: number },
  ) {
    super(message, options);
    this.httpStatus = options?.httpStatus;
  }
}

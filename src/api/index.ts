export { HttpApi, type ApiAuthenticator } from './http.js';
export { GrpcApi, type GrpcApiDeps } from './grpc.js';
export { execute, isMethod, methods, type MethodName } from './methods.js';
export { ApiError, ApiErrorCode, asApiError } from './errors.js';
export type { ApiContext } from './context.js';
export { openApiDocument, type OpenApiOptions, type OpenApiRoute } from './openapi.js';

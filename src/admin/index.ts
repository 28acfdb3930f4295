export { handleHealth } from './health.js';
export { AdminHandler, type AdminDeps, type IdpVerifier, type TokenRoutes } from './handler.js';
export type { AdminAction } from './actions-log.js';
export { handleMetrics } from './metrics.js';
export { handleReadiness, type ReadinessCheck } from './readiness.js';
export { swaggerRoutes } from './swagger.js';

export { handleHealth } from './health.js';

export { loadConfig, defaultConfig, type LoadOptions, type Loaded } from './load.js';
export { ConfigError } from './errors.js';
export { parseDuration } from './duration.js';
export type * from './types.js';

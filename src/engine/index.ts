export * from './types.js';
export * from './errors.js';
export * from './map-types.js';

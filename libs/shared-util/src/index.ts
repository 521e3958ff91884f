export * from './lib/histogram';
export * from './lib/backoff';
export * from './lib/env-config';

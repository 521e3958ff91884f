export * from './lib/histogram';
export * from './lib/backoff';
export * from './lib/counts';
export * from './lib/token-bucket';
export * from './lib/env-config';
export * from './lib/cli/usage.error';
export * from './lib/cli/command-line';

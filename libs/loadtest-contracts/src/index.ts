export * from './lib/loadtest-contracts';

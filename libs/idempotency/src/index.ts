export * from './lib/message-identity';
export * from './lib/idempotency.store';

export * from './lib/frame-splitter';

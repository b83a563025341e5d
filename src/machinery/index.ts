export * from './cache/index.ts';
export * from './workqueue/index.ts';

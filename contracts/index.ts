export * from './events.ts';
export * from './flags.ts';
export * from './ministries.ts';
export * from './accounts.ts';

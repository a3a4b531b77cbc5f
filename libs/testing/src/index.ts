export * from './fresh-schema';
export * from './fresh-database';

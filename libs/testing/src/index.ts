export * from './fresh-schema';

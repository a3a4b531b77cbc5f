export * from './fresh-schema';
export * from './fresh-database';
export * from './wait-for';

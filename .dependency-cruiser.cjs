/**
 * Chronicle's dependency rules (STYLE.md), enforced by `npm run lint:deps` in the test suite:
 * services depend on libs only (the `cli` composition root may assemble services), libs never
 * depend on services, and domain code stays free of frameworks and infrastructure.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-service-to-service',
      comment: 'A service talks to another over the bus or HTTP, never by import.',
      severity: 'error',
      from: { path: '^services/(?!cli/)([^/]+)/' },
      to: { path: '^services/', pathNot: ['^services/$1/'] },
    },
    {
      name: 'libs-do-not-import-services',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^services/' },
    },
    {
      name: 'pure-domain',
      comment: 'Deciders are pure: no NestJS, TypeORM, pg, Kafka or infrastructure libs in domain/.',
      severity: 'error',
      from: { path: '^services/[^/]+/src/domain/' },
      to: { path: ['node_modules/(@nestjs|typeorm|pg|kafkajs|bullmq|minio|ioredis)', '^libs/(database|messaging|jobs|artifacts|http)/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '(\\.spec\\.ts|\\.int-spec\\.ts|libs/contracts/src/generated/)' },
  },
};

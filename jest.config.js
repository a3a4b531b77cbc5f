// Two projects: fast unit specs next to the code, and integration specs that need the real
// servers started by infra/up.sh (Postgres, Kafka, Redis, S3).
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
}];
const common = {
  rootDir: __dirname,
  // jose 6 ships ES modules only: Node's require() loads them, Jest's does not, so Jest compiles it.
  transform: { '^.+\\.ts$': swc, '/node_modules/jose/.+\\.js$': swc },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: { '^@chronicle/tracking$': '<rootDir>/services/tracking/src', '^@chronicle/gateway$': '<rootDir>/services/gateway/src', '^@chronicle/(.*)$': '<rootDir>/libs/$1/src' },
  testEnvironment: 'node',
};
module.exports = {
  // Jest reads testTimeout only at the top level, not per project; integration specs need it.
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{libs,services,test}/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{libs,services,test}/**/*.int-spec.ts'] },
  ],
};

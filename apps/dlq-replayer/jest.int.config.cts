// Integration tests (real containers via @sousvide/testing): `nx run dlq-replayer:int-test`.
module.exports = {
  displayName: 'dlq-replayer-int',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
  // Container start (and a possible image pull) dominates; each start has its own 60 s budget.
  testTimeout: 180000,
  setupFiles: ['<rootDir>/test/setup-tz.ts'],
  coverageDirectory: '../../coverage/apps/dlq-replayer-int',
};

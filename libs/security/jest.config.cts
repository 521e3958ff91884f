module.exports = {
  displayName: 'security',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  // Integration specs need containers; they run via jest.int.config.cts (target int-test).
  testPathIgnorePatterns: ['/node_modules/', '\\.int-spec\\.ts$'],
  setupFiles: [require.resolve('../../tools/jest/setup-tz.js')],
  coverageDirectory: '../../coverage/libs/security',
};

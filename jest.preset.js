// Shared settings of every project's jest configs (unit and integration).
const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  // TypeScript only: Nx's preset also sends .js files through ts-jest, which then warns about
  // plain JS such as tools/jest/setup-tz.js. Type errors are tools/typecheck.sh's job; ts-jest
  // transpiles file by file (isolatedModules in each tsconfig.spec.json), which keeps a suite's
  // start from type-checking the whole program first.
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  setupFiles: [require.resolve('./tools/jest/setup-tz.js')],
  // tools/test.sh gives each run its own TMPDIR and names a lasting place for the transform cache.
  ...(process.env.SOUSVIDE_JEST_CACHE_DIR
    ? { cacheDirectory: process.env.SOUSVIDE_JEST_CACHE_DIR }
    : {}),
};

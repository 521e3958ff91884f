module.exports = {
  displayName: 'security',
  preset: '../../jest.preset.js',
  // Integration specs need containers; they run via jest.int.config.cjs (target int-test).
  testPathIgnorePatterns: ['/node_modules/', '\\.int-spec\\.ts$'],
  coverageDirectory: '../../coverage/libs/security',
};

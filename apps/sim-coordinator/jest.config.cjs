module.exports = {
  displayName: 'sim-coordinator',
  preset: '../../jest.preset.js',
  testPathIgnorePatterns: ['/node_modules/', '\\.int-spec\\.ts$'],
  coverageDirectory: '../../coverage/apps/sim-coordinator',
};

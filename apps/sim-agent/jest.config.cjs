module.exports = {
  displayName: 'sim-agent',
  preset: '../../jest.preset.js',
  testPathIgnorePatterns: ['/node_modules/', '\\.int-spec\\.ts$'],
  coverageDirectory: '../../coverage/apps/sim-agent',
};

module.exports = {
  displayName: 'dlq-replayer',
  preset: '../../jest.preset.js',
  testPathIgnorePatterns: ['/node_modules/', '\\.int-spec\\.ts$'],
  coverageDirectory: '../../coverage/apps/dlq-replayer',
};

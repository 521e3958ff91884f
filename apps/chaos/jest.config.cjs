module.exports = {
  displayName: 'chaos',
  preset: '../../jest.preset.js',
  testPathIgnorePatterns: ['/node_modules/', '\\.int-spec\\.ts$'],
  coverageDirectory: '../../coverage/apps/chaos',
};

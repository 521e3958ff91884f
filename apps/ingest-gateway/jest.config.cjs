module.exports = {
  displayName: 'ingest-gateway',
  preset: '../../jest.preset.js',
  testPathIgnorePatterns: ['/node_modules/', '\\.int-spec\\.ts$'],
  coverageDirectory: '../../coverage/apps/ingest-gateway',
};

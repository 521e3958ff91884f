module.exports = {
  displayName: 'telemetry-schema',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/telemetry-schema',
};

module.exports = {
  displayName: 'mqtt-frames',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/mqtt-frames',
};

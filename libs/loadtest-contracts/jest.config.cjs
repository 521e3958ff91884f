module.exports = {
  displayName: 'loadtest-contracts',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/loadtest-contracts',
};

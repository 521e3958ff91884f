// Integration tests (real containers via @sousvide/testing): `nx run run-accounting:int-test`.
module.exports = {
  displayName: 'run-accounting-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/libs/run-accounting-int',
};

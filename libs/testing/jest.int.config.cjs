// Integration tests (real containers via @sousvide/testing): `nx run testing:int-test`.
module.exports = {
  displayName: 'testing-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/libs/testing-int',
};

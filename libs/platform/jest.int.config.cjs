// Integration tests (real containers via @sousvide/testing): `nx run platform:int-test`.
module.exports = {
  displayName: 'platform-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/libs/platform-int',
};

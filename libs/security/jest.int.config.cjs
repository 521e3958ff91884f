// Integration tests (real containers via @sousvide/testing): `nx run security:int-test`.
module.exports = {
  displayName: 'security-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/libs/security-int',
};

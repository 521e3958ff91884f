// Integration tests (real Mosquitto via @sousvide/testing, real TLS): `nx run security:int-test`.
module.exports = {
  displayName: 'security-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/libs/security-int',
};

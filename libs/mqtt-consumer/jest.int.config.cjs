// Integration tests (real containers via @sousvide/testing): `nx run mqtt-consumer:int-test`.
module.exports = {
  displayName: 'mqtt-consumer-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/libs/mqtt-consumer-int',
};

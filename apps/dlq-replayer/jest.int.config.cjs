// Integration tests (real containers via @sousvide/testing): `nx run dlq-replayer:int-test`.
module.exports = {
  displayName: 'dlq-replayer-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/apps/dlq-replayer-int',
};

// Integration tests (real containers via @sousvide/testing): `nx run dlq-replayer:int-test`.
module.exports = {
  displayName: 'dlq-replayer-int',
  preset: '../../jest.int.preset.js',
  // The suites start app processes: one a failed test left running must not hold jest open.
  forceExit: true,
  coverageDirectory: '../../coverage/apps/dlq-replayer-int',
};

// Integration tests (real containers via @sousvide/testing): `nx run chaos:int-test`.
module.exports = {
  displayName: 'chaos-int',
  preset: '../../jest.int.preset.js',
  // The suites start app processes: one a failed test left running must not hold jest open.
  forceExit: true,
  coverageDirectory: '../../coverage/apps/chaos-int',
};

// Integration tests (real containers via @sousvide/testing): `nx run ingest-gateway:int-test`.
module.exports = {
  displayName: 'ingest-gateway-int',
  preset: '../../jest.int.preset.js',
  // The suites start app processes: one a failed test left running must not hold jest open.
  forceExit: true,
  coverageDirectory: '../../coverage/apps/ingest-gateway-int',
};

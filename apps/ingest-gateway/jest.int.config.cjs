// Integration tests (real containers via @sousvide/testing): `nx run ingest-gateway:int-test`.
module.exports = {
  displayName: 'ingest-gateway-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/apps/ingest-gateway-int',
};

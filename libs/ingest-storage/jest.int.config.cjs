// Integration tests (real containers via @sousvide/testing): `nx run ingest-storage:int-test`.
module.exports = {
  displayName: 'ingest-storage-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/libs/ingest-storage-int',
};

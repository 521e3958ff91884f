// Integration tests (real containers via @sousvide/testing): `nx run idempotency:int-test`.
module.exports = {
  displayName: 'idempotency-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/libs/idempotency-int',
};

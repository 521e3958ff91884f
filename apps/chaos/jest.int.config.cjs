// Integration tests (real containers via @sousvide/testing): `nx run chaos:int-test`.
module.exports = {
  displayName: 'chaos-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/apps/chaos-int',
};

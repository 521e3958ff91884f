// Integration tests (real containers via @sousvide/testing): `nx run sim-coordinator:int-test`.
module.exports = {
  displayName: 'sim-coordinator-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/apps/sim-coordinator-int',
};

// Integration tests (real containers via @sousvide/testing): `nx run sim-agent:int-test`.
module.exports = {
  displayName: 'sim-agent-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/apps/sim-agent-int',
};

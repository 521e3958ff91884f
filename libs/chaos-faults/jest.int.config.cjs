// Integration tests (real containers via @sousvide/testing): `nx run chaos-faults:int-test`.
module.exports = {
  displayName: 'chaos-faults-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/libs/chaos-faults-int',
};

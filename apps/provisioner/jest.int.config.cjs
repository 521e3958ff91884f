// Integration tests (real containers via @sousvide/testing): `nx run provisioner:int-test`.
module.exports = {
  displayName: 'provisioner-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/apps/provisioner-int',
};

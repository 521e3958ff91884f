// Integration tests: provisioned identities and the secure broker config against a real Mosquitto.
module.exports = {
  displayName: 'provisioner-int',
  preset: '../../jest.int.preset.js',
  coverageDirectory: '../../coverage/apps/provisioner-int',
};

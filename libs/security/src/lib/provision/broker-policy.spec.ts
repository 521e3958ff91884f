import { aclFileText, deviceRole, gatewayRole } from './broker-policy';

describe('broker policy', () => {
  it('lets a device publish only its telemetry and subscribe only to its control topic', () => {
    expect(deviceRole('sv-000007')).toEqual({
      rolename: 'device-sv-000007',
      acls: [
        { acltype: 'publishClientSend', topic: 'sousvide/sv-000007/telemetry', allow: true },
        { acltype: 'subscribeLiteral', topic: 'sousvide/sv-000007/control', allow: true },
      ],
    });
  });

  it('lets the gateway take the telemetry subscriptions and publish control, nothing else', () => {
    expect(gatewayRole().acls).toEqual([
      { acltype: 'subscribeLiteral', topic: '$share/ingest/sousvide/+/telemetry', allow: true },
      { acltype: 'subscribeLiteral', topic: 'sousvide/+/telemetry', allow: true },
      { acltype: 'publishClientSend', topic: 'sousvide/+/control', allow: true },
    ]);
  });

  it('states the same policy as acl_file lines for the password-file format', () => {
    expect(
      aclFileText('ingest-gateway')
        .split('\n')
        .filter((l) => l && !l.startsWith('#')),
    ).toEqual([
      'user ingest-gateway',
      'topic read sousvide/+/telemetry',
      'topic write sousvide/+/control',
      'pattern write sousvide/%u/telemetry',
      'pattern read sousvide/%u/control',
    ]);
  });
});

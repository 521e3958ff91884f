import { aclFileText, deviceRole, gatewayRole, monitorRole } from './broker-policy';

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

  it("lets the coordinator's probe read $SYS and write its markers, nothing else", () => {
    expect(monitorRole()).toEqual({
      rolename: 'sim-coordinator-monitor',
      acls: [
        // A pattern: the probe subscribes to single $SYS topics, which a literal $SYS/# refuses.
        { acltype: 'subscribePattern', topic: '$SYS/#', allow: true },
        { acltype: 'subscribePattern', topic: 'sim-coordinator/sys-probe/#', allow: true },
        { acltype: 'publishClientSend', topic: 'sim-coordinator/sys-probe/#', allow: true },
      ],
    });
  });

  it('states the same policy as acl_file lines for the password-file format', () => {
    expect(
      aclFileText('ingest-gateway', 'sim-coordinator')
        .split('\n')
        .filter((l) => l && !l.startsWith('#')),
    ).toEqual([
      'user ingest-gateway',
      'topic read sousvide/+/telemetry',
      'topic write sousvide/+/control',
      'user sim-coordinator',
      'topic read $SYS/#',
      'topic readwrite sim-coordinator/sys-probe/#',
      'pattern write sousvide/%u/telemetry',
      'pattern read sousvide/%u/control',
    ]);
  });
});

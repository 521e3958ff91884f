import { DENY_BY_DEFAULT, dynsecConfigJson } from './dynsec-config';
import { hashMosquittoPassword, verifyMosquittoPassword } from './mosquitto-password';

describe('dynsecConfigJson', () => {
  it('writes the plugin format: clients with base64 hash, salt, rounds, roles, optional client id', async () => {
    const password = await hashMosquittoPassword('pw-1');
    const text = dynsecConfigJson({
      defaultAccess: DENY_BY_DEFAULT,
      clients: [
        { username: 'sv-000001', clientid: 'sv-000001', password, roles: ['device-sv-000001'] },
        { username: 'ingest-gateway', password, roles: ['ingest-gateway'] },
      ],
      roles: [
        {
          rolename: 'device-sv-000001',
          acls: [{ acltype: 'publishClientSend', topic: 'a/b', allow: true }],
        },
      ],
    });
    const parsed = JSON.parse(text);
    expect(parsed.defaultACLAccess).toEqual({
      publishClientSend: false,
      publishClientReceive: true,
      subscribe: false,
      unsubscribe: true,
    });
    expect(parsed.groups).toEqual([]);
    const [device, gateway] = parsed.clients;
    expect(device).toMatchObject({
      username: 'sv-000001',
      clientid: 'sv-000001',
      iterations: 101,
      roles: [{ rolename: 'device-sv-000001' }],
    });
    expect(gateway.clientid).toBeUndefined();
    expect(Buffer.from(device.salt, 'base64')).toHaveLength(12);
    const stored = {
      iterations: device.iterations,
      salt: Buffer.from(device.salt, 'base64'),
      hash: Buffer.from(device.password, 'base64'),
    };
    expect(verifyMosquittoPassword(stored, 'pw-1')).toBe(true);
    expect(parsed.roles[0].acls).toEqual([
      { acltype: 'publishClientSend', topic: 'a/b', allow: true },
    ]);
  });
});

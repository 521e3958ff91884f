import { devicePassword } from '@sousvide/security';
import { brokerEndpoint, deviceLogin } from './device-identity';

const SECRET = 's'.repeat(43);

describe('device identity', () => {
  it('logs a device in as itself with the fleet secret: client id = user name = device id', () => {
    expect(deviceLogin('sv-000042', 'run-a1-p0-42', SECRET)).toEqual({
      clientId: 'sv-000042',
      credentials: { username: 'sv-000042', password: devicePassword(SECRET, 'sv-000042') },
    });
  });

  it('keeps the anonymous client id, and no credentials, without a fleet secret', () => {
    expect(deviceLogin('sv-000042', 'run-a1-p0-42', undefined)).toEqual({
      clientId: 'run-a1-p0-42',
    });
  });

  it('reads mqtt:// as plain TCP on 1883 by default', () => {
    expect(brokerEndpoint('mqtt://127.0.0.1', undefined)).toEqual({
      host: '127.0.0.1',
      port: 1883,
    });
    expect(brokerEndpoint('mqtt://[::1]:1884', undefined)).toEqual({ host: '::1', port: 1884 });
  });

  it('reads mqtts:// as TLS on 8883, verifying the server, naming a host name for SNI', () => {
    const ca = '-----BEGIN CERTIFICATE-----\n...';
    expect(brokerEndpoint('mqtts://broker.local', { ca, rejectUnauthorized: true })).toEqual({
      host: 'broker.local',
      port: 8883,
      tls: { ca, rejectUnauthorized: true, servername: 'broker.local' },
    });
    expect(brokerEndpoint('mqtts://127.0.0.1:8884', undefined)).toEqual({
      host: '127.0.0.1',
      port: 8884,
      tls: { rejectUnauthorized: true },
    });
    expect(brokerEndpoint('mqtts://[::1]:8884', undefined)).toEqual({
      host: '::1',
      port: 8884,
      tls: { rejectUnauthorized: true },
    });
  });

  it('reads tcp:// as plain like mqtt:// and ssl:// as TLS like mqtts:// (what a run spec allows)', () => {
    expect(brokerEndpoint('tcp://127.0.0.1', undefined)).toEqual({ host: '127.0.0.1', port: 1883 });
    expect(brokerEndpoint('tcp://127.0.0.1:1884', undefined)).toEqual({
      host: '127.0.0.1',
      port: 1884,
    });
    const ca = '-----BEGIN CERTIFICATE-----\n...';
    expect(brokerEndpoint('ssl://broker.local', { ca, rejectUnauthorized: true })).toEqual({
      host: 'broker.local',
      port: 8883,
      tls: { ca, rejectUnauthorized: true, servername: 'broker.local' },
    });
  });

  it('refuses another scheme, naming it', () => {
    expect(() => brokerEndpoint('ws://127.0.0.1:9001', undefined)).toThrow(
      'broker URL ws://127.0.0.1:9001: use mqtt://, tcp://, mqtts://, ssl://',
    );
  });
});

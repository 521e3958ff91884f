import { BROKER_SCHEME_NAMES, brokerPortOf, brokerSchemeIsTls } from './broker-scheme';

describe('broker schemes', () => {
  it('tcp:// is plain like mqtt://, ssl:// is TLS like mqtts://', () => {
    expect(brokerSchemeIsTls('mqtt:')).toBe(false);
    expect(brokerSchemeIsTls('tcp:')).toBe(false);
    expect(brokerSchemeIsTls('mqtts:')).toBe(true);
    expect(brokerSchemeIsTls('ssl:')).toBe(true);
    expect(brokerSchemeIsTls('http:')).toBeUndefined();
    expect(brokerSchemeIsTls('toString:')).toBeUndefined();
    expect(BROKER_SCHEME_NAMES).toEqual(['mqtt', 'tcp', 'mqtts', 'ssl']);
  });

  it('defaults the port by scheme: 8883 over TLS, 1883 plain; an explicit port wins', () => {
    expect(brokerPortOf(new URL('mqtts://broker'))).toBe(8883);
    expect(brokerPortOf(new URL('ssl://broker'))).toBe(8883);
    expect(brokerPortOf(new URL('mqtt://broker'))).toBe(1883);
    expect(brokerPortOf(new URL('tcp://broker'))).toBe(1883);
    expect(brokerPortOf(new URL('mqtts://broker:8884'))).toBe(8884);
  });
});

import {
  BROKER_SCHEME_NAMES,
  brokerHostOf,
  brokerPortOf,
  brokerSchemeIsTls,
  brokerUrlProblem,
} from './broker-scheme';

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

describe('brokerUrlProblem', () => {
  const plain = { credentials: false };

  it.each([
    'mqtt://b',
    'mqtt://b:1883',
    'tcp://127.0.0.1:1',
    'mqtts://broker.local:65535/',
    'SSL://b',
    'mqtt://[::1]:1883',
    'mqtts://[2001:db8::8]',
  ])('takes %s', (url) => {
    expect(brokerUrlProblem(url, plain)).toBeUndefined();
  });

  it.each([
    ['mqtt://b:99999', 'has port 99999, outside 1..65535'],
    ['mqtt://b:65536', 'has port 65536, outside 1..65535'],
    ['mqtt://b:0', 'has port 0, outside 1..65535'],
    ['mqtt://b:', 'has no port after ":" (a port is 1..65535)'],
    ['mqtt://b:0x10', 'must look like mqtt://host[:port] or mqtts://host[:port]'],
    ['mqtt://::1:1883', 'an IPv6 host in brackets: mqtt://[::1]:1883'],
    ['mqtt://[nope]:1883', 'has the host [nope], which is no IPv6 address'],
    ['mqtt://:1883', 'has no host'],
    ['mqtt://b r', 'has the host "b r", which is not valid'],
    ['ws://b:9001', 'must use mqtt://, tcp://, mqtts://, ssl://'],
    ['broker:1883', 'must look like mqtt://host[:port]'],
    ['mqtt://b:1883/x', 'must end after the host and port: no path, query or fragment'],
    ['mqtt://b?x=1', 'no path, query or fragment'],
  ])('refuses %s: %s', (url, problem) => {
    expect(brokerUrlProblem(url, plain)).toContain(problem);
  });

  it('takes a user and password only when asked to, and never repeats them', () => {
    expect(brokerUrlProblem('mqtt://gw:s%40cret@b:1883', { credentials: true })).toBeUndefined();
    expect(brokerUrlProblem('mqtt://gw:s3cret@b:1883', plain)).toBe(
      'must hold no user or password',
    );
    expect(brokerUrlProblem('mqtt://gw:s3cret@b:99999', { credentials: true })).not.toContain(
      's3cret',
    );
  });

  it('gives the host of an IPv6 URL without its brackets, as sockets take it', () => {
    expect(brokerHostOf(new URL('mqtt://[::1]:1883'))).toBe('::1');
    expect(brokerHostOf(new URL('mqtt://broker:1883'))).toBe('broker');
  });
});

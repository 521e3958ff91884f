import { connectPacket, parseBrokerUrl, resolveOptions } from './consumer-options';
import { MqttConsumerError } from './mqtt-consumer.error';

const base = {
  url: 'mqtt://broker:1883',
  clientId: 'gw-0',
  topicFilter: 't/+',
  onDeliveries: () => undefined,
};

function errorOf(fn: () => unknown): MqttConsumerError {
  try {
    fn();
  } catch (err) {
    return err as MqttConsumerError;
  }
  throw new Error('expected an error');
}

describe('parseBrokerUrl', () => {
  it('reads host and port, 1883 by default, IPv6 without brackets', () => {
    expect(parseBrokerUrl('mqtt://10.0.0.5:11883')).toMatchObject({
      host: '10.0.0.5',
      port: 11883,
      secure: false,
    });
    expect(parseBrokerUrl('tcp://broker')).toMatchObject({ host: 'broker', port: 1883 });
    expect(parseBrokerUrl('mqtt://[::1]:1884')).toMatchObject({ host: '::1', port: 1884 });
  });

  it('reads mqtts:// (and ssl://) as TLS, 8883 by default', () => {
    expect(parseBrokerUrl('mqtts://broker')).toMatchObject({ port: 8883, secure: true });
    expect(parseBrokerUrl('ssl://broker:18883')).toMatchObject({ port: 18883, secure: true });
  });

  it('takes the user and password out of the URL, which messages then show without them', () => {
    expect(parseBrokerUrl('mqtt://gw:s%40cret@broker:1883')).toEqual({
      host: 'broker',
      port: 1883,
      secure: false,
      url: 'mqtt://broker:1883',
      username: 'gw',
      password: 's@cret',
    });
    const err = errorOf(() => parseBrokerUrl('ws://gw:s3cret-pw@broker'));
    expect(err.message).not.toContain('s3cret-pw');
  });

  it.each([
    ['ws://gw:s3cret-pw@broker', '"ws://gw:***@broker/": it must use mqtt://'],
    ['mqtt://gw:s3cret-pw@broker:0', '"mqtt://gw:***@broker:0": it has port 0'],
  ])('names the bad URL %s with its password masked', (url, shown) => {
    const err = errorOf(() => parseBrokerUrl(url));
    expect(err.message).toContain(`invalid MQTT broker URL ${shown}`);
    expect(err.message).not.toContain('s3cret-pw');
  });

  it('shows no part of a URL whose user info cannot be told apart (unparseable, or parsed as something else)', () => {
    for (const url of [
      'mqtt://gw:s3cret@broker:99999',
      'mqtt://gw:s3cret/pw@broker',
      'mqtt://gw:s3cret@pw@bad host',
      // These parse, but the parser finds no password: a scheme `gw:`, a port and a path.
      'gw:s3cret@broker:1883',
      'mqtt:gw:s3cret@broker',
      'mqtt://gw:2024/s3cret@broker',
      'mqtt://gw:12#s3cret@broker',
    ]) {
      const err = errorOf(() => parseBrokerUrl(url));
      expect(err.code).toBe('BAD_URL');
      expect(err.message).toMatch(
        /invalid MQTT broker URL \(not shown: it holds a user or password/,
      );
      expect(err.message).not.toMatch(/s3cret|pw/);
    }
  });

  it.each([
    ['not a url', /invalid MQTT broker URL "not a url": it must look like mqtt:\/\/host\[:port\]/],
    [
      'ws://broker',
      /invalid MQTT broker URL "ws:\/\/broker": it must use mqtt:\/\/, tcp:\/\/, mqtts:\/\/, ssl:\/\//,
    ],
    ['mqtt://broker:99999', /it has port 99999, outside 1..65535/],
    ['mqtt://broker:0', /it has port 0, outside 1..65535/],
    ['mqtt://::1:1883', /an IPv6 host in brackets/],
  ])('rejects %s with BAD_URL naming what is wrong', (url, message) => {
    const err = errorOf(() => parseBrokerUrl(url));
    expect(err.code).toBe('BAD_URL');
    expect(err.message).toMatch(message);
  });
});

describe('resolveOptions', () => {
  it('applies the defaults', () => {
    expect(resolveOptions(base)).toMatchObject({
      host: 'broker',
      port: 1883,
      sessionExpirySec: 300,
      receiveMaximum: 10_000,
      keepaliveSec: 30,
      reconnect: { baseMs: 100, capMs: 5000 },
    });
  });

  it.each([
    [{ receiveMaximum: 0 }, /receiveMaximum must be an integer in 1..65535, got 0/],
    [{ receiveMaximum: 70000 }, /receiveMaximum/],
    [{ sessionExpirySec: -1 }, /sessionExpirySec/],
    [{ keepaliveSec: 1.5 }, /keepaliveSec/],
    [{ maximumPacketSize: 10 }, /maximumPacketSize/],
    [{ clientId: '' }, /clientId must not be empty/],
    [{ topicFilter: 'a/#/b' }, /topicFilter "a\/#\/b" is invalid: "#" must be/],
  ])('rejects %o with BAD_OPTIONS naming the option', (patch, message) => {
    const err = errorOf(() => resolveOptions({ ...base, ...patch }));
    expect(err.code).toBe('BAD_OPTIONS');
    expect(err.message).toMatch(message);
  });
});

describe('credentials and TLS', () => {
  it('sends the user name and password in CONNECT, the URL`s when none are given', () => {
    const fromOptions = connectPacket(resolveOptions({ ...base, username: 'gw', password: 'pw' }));
    expect(fromOptions).toMatchObject({ username: 'gw', password: Buffer.from('pw') });
    const fromUrl = connectPacket(resolveOptions({ ...base, url: 'mqtt://u:p%21@broker' }));
    expect(fromUrl).toMatchObject({ username: 'u', password: Buffer.from('p!') });
    expect(connectPacket(resolveOptions(base))).not.toHaveProperty('password');
  });

  it('refuses a password without a user name, and TLS options for a plain URL', () => {
    expect(errorOf(() => resolveOptions({ ...base, password: 'pw' })).code).toBe('BAD_OPTIONS');
    expect(errorOf(() => resolveOptions({ ...base, tls: { ca: 'x' } })).message).toBe(
      'tls options given for a plain mqtt://broker:1883',
    );
    expect(resolveOptions({ ...base, url: 'mqtts://broker', tls: { ca: 'x' } })).toMatchObject({
      secure: true,
      port: 8883,
    });
  });
});

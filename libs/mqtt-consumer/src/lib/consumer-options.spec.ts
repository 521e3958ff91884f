import { parseBrokerUrl, resolveOptions } from './consumer-options';
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
    expect(parseBrokerUrl('mqtt://10.0.0.5:11883')).toEqual({ host: '10.0.0.5', port: 11883 });
    expect(parseBrokerUrl('tcp://broker')).toEqual({ host: 'broker', port: 1883 });
    expect(parseBrokerUrl('mqtt://[::1]:1884')).toEqual({ host: '::1', port: 1884 });
  });

  it.each([
    ['not a url', /invalid MQTT broker URL "not a url"/],
    ['mqtts://broker:8883', /unsupported MQTT broker URL scheme "mqtts:"/],
    ['ws://broker', /unsupported MQTT broker URL scheme "ws:"/],
    ['mqtt://broker:99999', /invalid MQTT broker URL/],
    ['mqtt://broker:0', /has port 0/],
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

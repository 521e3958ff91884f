import { UsageError } from '@sousvide/shared-util';
import { parseChaosArgs } from './chaos-args';

const parse = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  parseChaosArgs(
    args,
    { INFLUX_TOKEN: 'test-influx-token', ...env },
    new Date('2026-11-27T12:00:00Z'),
  );

describe('parseChaosArgs', () => {
  it('refuses to start without an Influx token for its gateway and replayer, naming both variables', () => {
    expect(() => parse(['redis-outage'], { INFLUX_TOKEN: '' })).toThrow(
      'INFLUX_TOKEN or INFLUX_TOKEN_FILE is required',
    );
    expect(
      parse(['redis-outage'], { INFLUX_TOKEN: '', INFLUX_TOKEN_FILE: '/run/secrets/t' }),
    ).toMatchObject({
      command: 'run',
    });
  });

  it('checks the credentials and TLS files it passes on before anything starts, naming the variable', () => {
    expect(() => parse(['redis-outage'], { MQTT_USERNAME: 'ingest-gateway' })).toThrow(
      'MQTT_PASSWORD: is required when MQTT_USERNAME is set',
    );
    expect(() => parse(['redis-outage'], { REDIS_USERNAME: 'ingest' })).toThrow(
      'REDIS_PASSWORD: is required when REDIS_USERNAME is set',
    );
    expect(() =>
      parse(['redis-outage'], { MQTT_USERNAME: 'gw', MQTT_PASSWORD_FILE: '/nonexistent/pw' }),
    ).toThrow('cannot read MQTT_PASSWORD_FILE=/nonexistent/pw (ENOENT)');
    expect(() => parse(['redis-outage'], { MQTT_TLS_CA_FILE: '/ca.crt' })).toThrow(
      'MQTT_TLS_CA_FILE: is set but MQTT_URL is mqtt:// (no TLS): use mqtts://',
    );
    expect(
      parse(['redis-outage'], { MQTT_USERNAME: 'ingest-gateway', MQTT_PASSWORD: 'pw-0123' }),
    ).toMatchObject({ command: 'run' });
  });

  it('fills the defaults: the fault inside the load with 20 s left to recover', () => {
    const p = parse(['redis-outage', '--devices', '400']);
    expect(p).toMatchObject({
      command: 'run',
      options: {
        scenario: 'redis-outage',
        devices: 400,
        mps: 1,
        faultAt: 10,
        faultSeconds: 10,
        durationSec: 40,
        runId: 'chaos-redis-outage-20261127-120000',
        redisContainer: 'sousvide-redis',
      },
    });
  });

  it.each([
    [['bogus'], /unknown scenario "bogus"/],
    [[], /unknown scenario \(none\)/],
    [
      ['broker-restart', '--fault-at', '20', '--fault-seconds', '15', '--duration', '30'],
      /must end before the load does/,
    ],
    [['influx-spike', '--latency-ms', '0'], /needs --latency-ms > 0 or --error-rate > 0/],
    [['influx-spike', '--error-rate', '1.5'], /--error-rate must be a number in 0..1/],
    [['redis-outage', '--devices', '0'], /--devices must be an integer in 1..20000/],
    [['redis-outage', '--redis-url', 'http://x'], /--redis-url has the wrong scheme/],
    [['redis-outage', '--mqtt-url', 'mqtt://h:0'], /--mqtt-url has port 0, outside 1\.\.65535/],
    [['redis-outage', '--mqtt-url', 'mqtt://h:1883/x'], /--mqtt-url must end after the host/],
    [['redis-outage', '--fault-second', '3'], /Unknown option/],
    [
      ['broker-restart', '--gateway-subscription', 'solo'],
      /--gateway-subscription must be shared or exclusive/,
    ],
    // The one run-id rule (loadtest-contracts), as the coordinator applies it to the same id.
    [['redis-outage', '--run-id=-x'], /--run-id must be 1\.\.100 letters, digits/],
  ])('refuses %j naming the problem', (args, message) => {
    expect(() => parse(args)).toThrow(UsageError);
    expect(() => parse(args)).toThrow(message);
  });

  it('takes the simulator Redis apart from the backend one when given', () => {
    const p = parse(['redis-outage'], { REDIS_URL: 'redis://a:1', SIM_REDIS_URL: 'redis://b:2' });
    expect(p).toMatchObject({ options: { redisUrl: 'redis://a:1', simRedisUrl: 'redis://b:2' } });
    expect(parse(['redis-outage'], { REDIS_URL: 'redis://a:1' })).toMatchObject({
      options: { simRedisUrl: 'redis://a:1' },
    });
  });

  it('defaults influx-spike to +500 ms, or to errors only when an error rate is given', () => {
    expect(parse(['influx-spike'])).toMatchObject({ options: { latencyMs: 500, errorRate: 0 } });
    expect(parse(['influx-spike', '--error-rate', '0.5'])).toMatchObject({
      options: { latencyMs: 0, errorRate: 0.5 },
    });
  });
});

import { bootGatewayExpectingFailure, failingAtOnce, WITHIN_SECONDS_MS } from './gateway-process';

describe('ingest gateway configuration', () => {
  it.each([
    [{ MQTT_URL: '' }, 'MQTT_URL'],
    [
      { MQTT_URL: 'mqtt://127.0.0.1:1883', INGEST_INFLUX_WRITE_MODE: 'lazy' },
      'INGEST_INFLUX_WRITE_MODE',
    ],
    [{ MQTT_URL: 'mqtt://127.0.0.1:1883', INFLUX_URL: 'not a url' }, 'INFLUX_URL'],
    [{ MQTT_URL: 'mqtt://127.0.0.1:1883', INGEST_BATCH_MAX: '0' }, 'INGEST_BATCH_MAX'],
  ])('refuses to boot with %p, naming %s', async (env, variable) => {
    const res = await bootGatewayExpectingFailure(env);
    expect(res.code).toBe(1);
    expect(res.output).toContain('invalid ingest-gateway configuration');
    expect(res.output).toContain(variable);
  });

  it('names Redis when it is unreachable, within seconds', async () => {
    const res = await bootGatewayExpectingFailure({
      MQTT_URL: 'mqtt://127.0.0.1:1',
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(res.code).toBe(1);
    expect(res.output).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1 unreachable/);
    expect(res.ms).toBeLessThan((await failingAtOnce()) + WITHIN_SECONDS_MS);
  });
});

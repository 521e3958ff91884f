import { loadGatewayEnv } from './env.schema';

describe('gateway environment', () => {
  const base = { MQTT_URL: 'mqtt://127.0.0.1:1883' };

  it('defaults to the shared subscription over 2 connections', () => {
    expect(loadGatewayEnv(base)).toMatchObject({
      INGEST_MQTT_SUBSCRIPTION: 'shared',
      INGEST_MQTT_CONNECTIONS: 2,
    });
  });

  it('takes an exclusive subscription only with one connection, naming the conflict', () => {
    expect(() => loadGatewayEnv({ ...base, INGEST_MQTT_SUBSCRIPTION: 'exclusive' })).toThrow(
      'INGEST_MQTT_CONNECTIONS: must be 1 with INGEST_MQTT_SUBSCRIPTION=exclusive',
    );
    expect(
      loadGatewayEnv({
        ...base,
        INGEST_MQTT_SUBSCRIPTION: 'exclusive',
        INGEST_MQTT_CONNECTIONS: '1',
      }),
    ).toMatchObject({ INGEST_MQTT_SUBSCRIPTION: 'exclusive', INGEST_MQTT_CONNECTIONS: 1 });
  });

  it('names a missing required variable', () => {
    expect(() => loadGatewayEnv({})).toThrow('MQTT_URL: is required');
  });
});

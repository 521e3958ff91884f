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

  it('refuses the removed INGEST_BATCH_MS, saying why', () => {
    expect(() => loadGatewayEnv({ ...base, INGEST_BATCH_MS: '50' })).toThrow(
      'INGEST_BATCH_MS: was removed: batches no longer wait for a timer',
    );
  });

  it('refuses a shed threshold the receive windows can never reach, naming the variables', () => {
    expect(() =>
      loadGatewayEnv({ ...base, INGEST_MQTT_RECEIVE_MAXIMUM: '1000', INGEST_MAX_BUFFERED: '5000' }),
    ).toThrow(
      'INGEST_MAX_BUFFERED: must be below INGEST_MQTT_CONNECTIONS x INGEST_MQTT_RECEIVE_MAXIMUM (2000)',
    );
  });

  it('names a missing required variable', () => {
    expect(() => loadGatewayEnv({})).toThrow('MQTT_URL: is required');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGatewayEnv } from './env.schema';

describe('gateway environment', () => {
  const base = { MQTT_URL: 'mqtt://127.0.0.1:1883', INFLUX_TOKEN: 'test-influx-token' };

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

  it('has no default Influx token: a missing one names both ways to set it', () => {
    expect(() => loadGatewayEnv({ MQTT_URL: base.MQTT_URL })).toThrow(
      'INFLUX_TOKEN: is required: set INFLUX_TOKEN or INFLUX_TOKEN_FILE (secrets have no default)',
    );
  });

  it('reads the Influx token from INFLUX_TOKEN_FILE, and never prints it in an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-env-'));
    try {
      const file = join(dir, 'influx-token');
      writeFileSync(file, 'token-from-a-file\n');
      expect(loadGatewayEnv({ MQTT_URL: base.MQTT_URL, INFLUX_TOKEN_FILE: file })).toMatchObject({
        INFLUX_TOKEN: 'token-from-a-file',
      });
      let message = '';
      try {
        loadGatewayEnv({ MQTT_URL: 'not a url', INFLUX_TOKEN_FILE: file });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain('MQTT_URL');
      expect(message).not.toContain('token-from-a-file');
      expect(() => loadGatewayEnv({ ...base, INFLUX_TOKEN_FILE: file })).toThrow(
        'INFLUX_TOKEN: set INFLUX_TOKEN or INFLUX_TOKEN_FILE, not both',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

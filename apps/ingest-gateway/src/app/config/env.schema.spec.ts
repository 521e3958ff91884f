import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumerSettings, loadGatewayEnv } from './env.schema';

describe('gateway environment', () => {
  const base = { MQTT_URL: 'mqtt://127.0.0.1:1883', INFLUX_TOKEN: 'test-influx-token' };

  it('defaults to the shared subscription over 4 connections', () => {
    expect(loadGatewayEnv(base)).toMatchObject({
      INGEST_MQTT_SUBSCRIPTION: 'shared',
      INGEST_MQTT_CONNECTIONS: 4,
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
      'INGEST_MAX_BUFFERED: must be below INGEST_MQTT_CONNECTIONS x INGEST_MQTT_RECEIVE_MAXIMUM (4000)',
    );
  });

  it('bounds Influx retries by the budget alone unless INFLUX_MAX_RETRIES gives a count', () => {
    const defaults = loadGatewayEnv(base);
    expect(defaults.INFLUX_RETRY_BUDGET_MS).toBe(15_000);
    expect(defaults.INFLUX_MAX_RETRIES).toBeUndefined();
    expect(loadGatewayEnv({ ...base, INFLUX_MAX_RETRIES: '3' }).INFLUX_MAX_RETRIES).toBe(3);
    expect(() => loadGatewayEnv({ ...base, INFLUX_MAX_RETRIES: '-1' })).toThrow(
      'INFLUX_MAX_RETRIES',
    );
  });

  it('names a missing required variable', () => {
    expect(() => loadGatewayEnv({})).toThrow('MQTT_URL: is required');
  });

  it('checks MQTT_URL as every broker URL is: the port named, an IPv6 host in brackets', () => {
    expect(() => loadGatewayEnv({ ...base, MQTT_URL: 'mqtt://gw:pw@broker:99999' })).toThrow(
      'MQTT_URL: has port 99999, outside 1..65535',
    );
    expect(() => loadGatewayEnv({ ...base, MQTT_URL: 'mqtt://broker:1883/path' })).toThrow(
      'MQTT_URL: must end after the host and port: no path, query or fragment',
    );
    expect(loadGatewayEnv({ ...base, MQTT_URL: 'mqtts://[::1]:8883' }).MQTT_URL).toBe(
      'mqtts://[::1]:8883',
    );
    // The password is never repeated in the message.
    expect(() => loadGatewayEnv({ ...base, MQTT_URL: 'mqtt://gw:pw@broker:0' })).toThrow(
      /^(?!.*pw@)(?=.*has port 0)/s,
    );
  });

  it('takes MQTT_URL with blanks or a CRLF around it, trimmed', () => {
    expect(loadGatewayEnv({ ...base, MQTT_URL: ' mqtt://broker:1883\r\n' }).MQTT_URL).toBe(
      'mqtt://broker:1883',
    );
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

  describe('broker and Redis credentials (ADR 0033)', () => {
    let dir: string;
    const mqttPassword = 'gateway-password-from-a-file';
    const redisPassword = 'redis-password-from-a-file';

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'gw-creds-'));
      writeFileSync(join(dir, 'gateway-password'), `${mqttPassword}\n`);
      writeFileSync(join(dir, 'redis-password'), redisPassword);
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const messageOf = (env: NodeJS.ProcessEnv): string => {
      try {
        loadGatewayEnv(env);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    };

    it('gives every connection the identity, password from its file, and no URL secret', () => {
      const env = loadGatewayEnv({
        ...base,
        MQTT_URL: 'mqtt://broker:1883',
        MQTT_USERNAME: 'ingest-gateway',
        MQTT_PASSWORD_FILE: join(dir, 'gateway-password'),
        REDIS_USERNAME: 'ingest',
        REDIS_PASSWORD_FILE: join(dir, 'redis-password'),
      });
      expect(consumerSettings(env).broker).toEqual({
        url: 'mqtt://broker:1883',
        username: 'ingest-gateway',
        password: mqttPassword,
      });
      expect(env).toMatchObject({ REDIS_USERNAME: 'ingest', REDIS_PASSWORD: redisPassword });
    });

    it('keeps an MQTT password inside MQTT_URL working, out of the URL the gateway logs', () => {
      const env = loadGatewayEnv({ ...base, MQTT_URL: 'mqtt://gw:inline-pw@broker:1883' });
      expect(consumerSettings(env).broker).toEqual({
        url: 'mqtt://broker:1883',
        username: 'gw',
        password: 'inline-pw',
      });
    });

    it('refuses a user without a password and a password without a user, naming them', () => {
      expect(messageOf({ ...base, MQTT_USERNAME: 'ingest-gateway' })).toContain(
        'MQTT_PASSWORD: is required when MQTT_USERNAME is set: set MQTT_PASSWORD or MQTT_PASSWORD_FILE',
      );
      expect(messageOf({ ...base, REDIS_USERNAME: 'ingest' })).toContain(
        'REDIS_PASSWORD: is required when REDIS_USERNAME is set',
      );
      const message = messageOf({ ...base, MQTT_PASSWORD_FILE: join(dir, 'gateway-password') });
      expect(message).toContain('MQTT_USERNAME: is required when a password is set');
      expect(message).not.toContain(mqttPassword);
    });

    it('names an unreadable password file by variable and path', () => {
      const missing = join(dir, 'nope');
      expect(
        messageOf({ ...base, REDIS_USERNAME: 'ingest', REDIS_PASSWORD_FILE: missing }),
      ).toContain(`REDIS_PASSWORD: cannot read REDIS_PASSWORD_FILE=${missing} (ENOENT)`);
    });

    it('refuses TLS files next to plain URLs, for the broker, Redis and Influx', () => {
      const ca = join(dir, 'redis-password');
      const message = messageOf({
        ...base,
        MQTT_TLS_CA_FILE: ca,
        REDIS_TLS_CA_FILE: ca,
        INFLUX_TLS_CA_FILE: ca,
      });
      expect(message).toContain(
        'MQTT_TLS_CA_FILE: is set but MQTT_URL is mqtt:// (no TLS): use mqtts://',
      );
      expect(message).toContain('REDIS_TLS_CA_FILE: is set but REDIS_URL is redis://');
      expect(message).toContain('INFLUX_TLS_CA_FILE: is set but INFLUX_URL is http://');
      expect(message).not.toContain(redisPassword);
    });

    it('names a CA file that is not a certificate, never printing its content', () => {
      const message = messageOf({
        ...base,
        MQTT_URL: 'mqtts://broker:8883',
        MQTT_TLS_CA_FILE: join(dir, 'redis-password'),
      });
      expect(message).toContain('MQTT_TLS_CA_FILE: MQTT_TLS_CA_FILE=');
      expect(message).not.toContain(redisPassword);
    });
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { freePort } from '@sousvide/shared-util';
import { startMosquitto, startRedis } from '@sousvide/testing';
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

  it('refuses to boot without an Influx token, naming INFLUX_TOKEN and INFLUX_TOKEN_FILE', async () => {
    const res = await bootGatewayExpectingFailure({
      MQTT_URL: 'mqtt://127.0.0.1:1883',
      INFLUX_TOKEN: '',
    });
    expect(res.code).toBe(1);
    expect(res.output).toContain(
      'INFLUX_TOKEN: is required: set INFLUX_TOKEN or INFLUX_TOKEN_FILE (secrets have no default)',
    );
  });

  it('prints neither the password of a wrong INFLUX_URL nor the token from its file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-secret-'));
    const tokenFile = join(dir, 'influx-token');
    writeFileSync(tokenFile, 'influx-Token-from-file-42\n');
    const res = await bootGatewayExpectingFailure({
      MQTT_URL: 'mqtt://127.0.0.1:1883',
      INFLUX_URL: 'htps://influx-user:influx-Secret-42@127.0.0.1:1',
      INFLUX_TOKEN: '',
      INFLUX_TOKEN_FILE: tokenFile,
    });
    expect(res.code).toBe(1);
    expect(res.output).toContain('INFLUX_URL');
    expect(res.output).not.toContain('influx-Secret-42');
    expect(res.output).not.toContain('influx-Token-from-file-42');
  });

  it('names Redis when it is unreachable, within seconds', async () => {
    const res = await bootGatewayExpectingFailure({
      MQTT_URL: 'mqtt://127.0.0.1:1',
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(res.code).toBe(1);
    expect(res.output).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1 is unreachable/);
    expect(res.ms).toBeLessThan((await failingAtOnce()) + WITHIN_SECONDS_MS);
  });

  it('prints REDIS_URL without its password when Redis is unreachable', async () => {
    const res = await bootGatewayExpectingFailure({
      MQTT_URL: 'mqtt://127.0.0.1:1',
      REDIS_URL: 'redis://gw-user:redis-Secret-42@127.0.0.1:1',
    });
    expect(res.code).toBe(1);
    expect(res.output).toContain('Redis at redis://gw-user:***@127.0.0.1:1 is unreachable');
    expect(res.output).not.toContain('redis-Secret-42');
  });

  it('prints MQTT_URL without its password when the broker is unreachable', async () => {
    const redis = await startRedis();
    try {
      const res = await bootGatewayExpectingFailure({
        MQTT_URL: 'mqtt://ingest-gateway:mqtt-Secret-42@127.0.0.1:1',
        REDIS_URL: redis.url,
        SPOOL_DIR: mkdtempSync(join(tmpdir(), 'gw-spool-')),
      });
      expect(res.code).toBe(1);
      expect(res.output).toContain('MQTT broker at mqtt://127.0.0.1:1 unreachable');
      expect(res.output).not.toContain('mqtt-Secret-42');
    } finally {
      await redis.stop();
    }
  });

  it('names OPS_PORT when another process holds it, after Redis and the broker answered', async () => {
    const [redis, broker] = await Promise.all([startRedis(), startMosquitto()]);
    const holder = createServer();
    try {
      const port = await freePort();
      await new Promise<void>((resolve) => holder.listen(port, resolve));
      const res = await bootGatewayExpectingFailure({
        MQTT_URL: broker.url,
        REDIS_URL: redis.url,
        OPS_PORT: String(port),
        SPOOL_DIR: mkdtempSync(join(tmpdir(), 'gw-spool-')),
      });
      expect(res.code).toBe(1);
      expect(res.output).toContain(
        `ingest-gateway failed to start: OPS_PORT ${port} is already in use (another process holds it): set OPS_PORT to a free port`,
      );
    } finally {
      holder.close();
      await Promise.allSettled([redis.stop(), broker.stop()]);
    }
  });
});

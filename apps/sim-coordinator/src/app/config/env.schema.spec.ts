import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerProbeLogin, coordinatorEnvSchema, loadCoordinatorEnv } from './env.schema';

const problems = (env: Record<string, string>): string[] => {
  const r = coordinatorEnvSchema.safeParse(env);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('coordinator environment: the $SYS probe identity', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'coordinator-env-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is anonymous when unset (or set empty, as compose passes it)', () => {
    for (const env of [{}, { MQTT_MONITOR_USERNAME: '', MQTT_MONITOR_PASSWORD: '' }]) {
      const login = brokerProbeLogin(coordinatorEnvSchema.parse(env));
      expect(login).toEqual({ username: undefined, password: undefined, tls: undefined });
    }
  });

  it('reads the password from MQTT_MONITOR_PASSWORD_FILE', () => {
    const file = join(dir, 'monitor-password');
    writeFileSync(file, 'a-monitor-password-of-some-length\n');
    const env = coordinatorEnvSchema.parse({
      MQTT_MONITOR_USERNAME: 'sim-coordinator',
      MQTT_MONITOR_PASSWORD_FILE: file,
    });
    expect(brokerProbeLogin(env)).toMatchObject({
      username: 'sim-coordinator',
      password: 'a-monitor-password-of-some-length',
    });
  });

  it('refuses a user name without a password, a password without a user name, and both forms', () => {
    expect(problems({ MQTT_MONITOR_USERNAME: 'sim-coordinator' })).toEqual([
      "MQTT_MONITOR_USERNAME: needs MQTT_MONITOR_PASSWORD or MQTT_MONITOR_PASSWORD_FILE (the provisioner's <out>/monitor-password)",
    ]);
    expect(problems({ MQTT_MONITOR_PASSWORD: 'secret' })).toEqual([
      'MQTT_MONITOR_PASSWORD: needs MQTT_MONITOR_USERNAME (an MQTT CONNECT carries no password without a user name)',
    ]);
    const file = join(dir, 'p');
    writeFileSync(file, 'x\n');
    const both = problems({
      MQTT_MONITOR_USERNAME: 'sim-coordinator',
      MQTT_MONITOR_PASSWORD: 'secret',
      MQTT_MONITOR_PASSWORD_FILE: file,
    });
    expect(both.join('\n')).toContain('MQTT_MONITOR_PASSWORD');
    expect(both.join('\n')).not.toContain('secret');
  });
});

describe('coordinator environment: LOADTEST_AGENT_PROCESSES', () => {
  const parse = (env: Record<string, string>) =>
    coordinatorEnvSchema.parse(env).LOADTEST_AGENT_PROCESSES;

  it('is auto by default and takes auto or a whole number', () => {
    expect(parse({})).toBe('auto');
    expect(parse({ LOADTEST_AGENT_PROCESSES: 'auto' })).toBe('auto');
    expect(parse({ LOADTEST_AGENT_PROCESSES: '8' })).toBe(8);
    expect(parse({ LOADTEST_AGENT_PROCESSES: ' 8 ' })).toBe(8);
    // Blanks around auto as around a number; a blank value is unset, as for every variable.
    expect(parse({ LOADTEST_AGENT_PROCESSES: ' auto\r' })).toBe('auto');
    expect(parse({ LOADTEST_AGENT_PROCESSES: '' })).toBe('auto');
  });

  it('refuses anything else, naming the variable and what it takes', () => {
    for (const bad of ['0', '2.5', '0x8', 'many', '257']) {
      expect(problems({ LOADTEST_AGENT_PROCESSES: bad })).toEqual([
        `LOADTEST_AGENT_PROCESSES: LOADTEST_AGENT_PROCESSES must be auto or a whole number from 1 to 256 (got "${bad}")`,
      ]);
    }
  });
});

describe('coordinator environment: the two Redis URLs', () => {
  it('takes the same Redis for the gateways when INGEST_REDIS_URL is unset or empty', () => {
    expect(coordinatorEnvSchema.parse({}).INGEST_REDIS_URL).toBe('');
    expect(coordinatorEnvSchema.parse({ INGEST_REDIS_URL: '' }).INGEST_REDIS_URL).toBe('');
    expect(
      coordinatorEnvSchema.parse({ INGEST_REDIS_URL: 'rediss://r:6380' }).INGEST_REDIS_URL,
    ).toBe('rediss://r:6380');
  });

  it('names the schemes both take', () => {
    expect(problems({ REDIS_URL: 'http://r:6379', INGEST_REDIS_URL: 'tcp://r:6379' })).toEqual([
      'REDIS_URL: must be a redis:// or rediss:// URL',
      'INGEST_REDIS_URL: must be a redis:// or rediss:// URL',
    ]);
  });
});

describe('coordinator environment: MQTT_URL', () => {
  it('is the local broker when unset or blank, and taken trimmed', () => {
    for (const env of [{}, { MQTT_URL: '' }, { MQTT_URL: ' \r' }]) {
      expect(loadCoordinatorEnv(env).MQTT_URL).toBe('mqtt://127.0.0.1:1883');
    }
    expect(loadCoordinatorEnv({ MQTT_URL: ' mqtts://[::1]:8883\r\n' }).MQTT_URL).toBe(
      'mqtts://[::1]:8883',
    );
  });

  it('fails the configuration at boot, naming MQTT_URL and what is wrong', () => {
    expect(() => loadCoordinatorEnv({ MQTT_URL: 'broker:1883' })).toThrow(
      'invalid sim-coordinator configuration: MQTT_URL: must look like mqtt://host[:port]',
    );
    expect(problems({ MQTT_URL: 'mqtt://broker:99999' })).toEqual([
      'MQTT_URL: has port 99999, outside 1..65535',
    ]);
    expect(problems({ MQTT_URL: 'http://broker' })).toEqual([
      'MQTT_URL: must use mqtt://, tcp://, mqtts://, ssl://',
    ]);
  });

  it('takes user info at boot (a gateway may share it), never repeating the password', () => {
    expect(loadCoordinatorEnv({ MQTT_URL: 'mqtt://gw:s3cret@broker' }).MQTT_URL).toBe(
      'mqtt://gw:s3cret@broker',
    );
    const bad = problems({ MQTT_URL: 'mqtt://gw:s3cret@broker:0' });
    expect(bad).toEqual(['MQTT_URL: has port 0, outside 1..65535']);
  });
});

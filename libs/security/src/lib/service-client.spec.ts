import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseEnvConfig } from '@sousvide/shared-util';
import { withSecretFiles } from './secret-env';
import {
  addServiceClientIssues,
  credentialEnvShape,
  MQTT_CLIENT,
  REDIS_CLIENT,
  serviceAccessFromEnv,
  serviceConnection,
} from './service-client';

const PASSWORD = 'pw-from-a-file-0123456789';
const schema = withSecretFiles(
  ['MQTT_PASSWORD', 'REDIS_PASSWORD'],
  z
    .object({
      MQTT_URL: z.string(),
      REDIS_URL: z.string(),
      ...credentialEnvShape('MQTT'),
      ...credentialEnvShape('REDIS'),
    })
    .superRefine((e, ctx) => {
      addServiceClientIssues(e, ctx, MQTT_CLIENT);
      addServiceClientIssues(e, ctx, REDIS_CLIENT);
    }),
);
const urls = { MQTT_URL: 'mqtt://broker:1883', REDIS_URL: 'redis://redis:6379' };
const load = (env: NodeJS.ProcessEnv) => parseEnvConfig(schema, { ...urls, ...env }, 'demo');
const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
};

describe('service client credentials and TLS variables', () => {
  let dir: string;
  let passwordFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'service-client-'));
    passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    writeFileSync(join(dir, 'not-a-ca.pem'), `${PASSWORD}\n`);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('needs none of them: an anonymous broker and a Redis without a password still work', () => {
    const env = load({});
    expect(serviceConnection(env, MQTT_CLIENT)).toEqual({ url: 'mqtt://broker:1883' });
  });

  it('reads empty variables as unset (compose passes X: ${X:-})', () => {
    const env = load({
      MQTT_USERNAME: '',
      MQTT_PASSWORD: '',
      MQTT_PASSWORD_FILE: '',
      MQTT_TLS_CA_FILE: '',
    });
    expect(serviceConnection(env, MQTT_CLIENT)).toEqual({ url: 'mqtt://broker:1883' });
  });

  it('takes the password from <PREFIX>_PASSWORD_FILE and keeps it out of the URL', () => {
    const env = load({ MQTT_USERNAME: 'ingest-gateway', MQTT_PASSWORD_FILE: passwordFile });
    expect(serviceConnection(env, MQTT_CLIENT)).toEqual({
      url: 'mqtt://broker:1883',
      username: 'ingest-gateway',
      password: PASSWORD,
    });
  });

  it('keeps a password inside the URL working, moved out of the URL', () => {
    const env = load({ REDIS_URL: 'rediss://app:s%40cret@redis:6380/2' });
    expect(serviceConnection(env, REDIS_CLIENT)).toEqual({
      url: 'rediss://redis:6380/2',
      username: 'app',
      password: 's@cret',
    });
  });

  it('refuses a user name without a password, naming both ways to set it', () => {
    expect(messageOf(() => load({ REDIS_USERNAME: 'app' }))).toContain(
      'REDIS_PASSWORD: is required when REDIS_USERNAME is set: set REDIS_PASSWORD or REDIS_PASSWORD_FILE',
    );
  });

  it('refuses an MQTT password without a user name (Redis: the default user)', () => {
    expect(messageOf(() => load({ MQTT_PASSWORD_FILE: passwordFile }))).toContain(
      'MQTT_USERNAME: is required when a password is set',
    );
    expect(load({ REDIS_PASSWORD_FILE: passwordFile }).REDIS_PASSWORD).toBe(PASSWORD);
  });

  it('refuses a password both in the URL and in its variable, never printing either', () => {
    const message = messageOf(() =>
      load({ MQTT_URL: 'mqtt://gw:inline-secret@broker', MQTT_PASSWORD_FILE: passwordFile }),
    );
    expect(message).toContain(
      'MQTT_PASSWORD: set MQTT_PASSWORD (or MQTT_PASSWORD_FILE) or a password inside MQTT_URL, not both',
    );
    expect(message).not.toContain('inline-secret');
    expect(message).not.toContain(PASSWORD);
  });

  it('names an unreadable password file by its variable and path', () => {
    const missing = join(dir, 'missing');
    expect(messageOf(() => load({ MQTT_USERNAME: 'gw', MQTT_PASSWORD_FILE: missing }))).toContain(
      `MQTT_PASSWORD: cannot read MQTT_PASSWORD_FILE=${missing} (ENOENT)`,
    );
  });

  it('refuses TLS files next to a plain URL, saying which scheme to use', () => {
    expect(messageOf(() => load({ MQTT_TLS_CA_FILE: passwordFile }))).toContain(
      'MQTT_TLS_CA_FILE: is set but MQTT_URL is mqtt:// (no TLS): use mqtts://',
    );
  });

  it('names a TLS file that is no certificate without printing its content', () => {
    const message = messageOf(() =>
      load({ REDIS_URL: 'rediss://redis', REDIS_TLS_CA_FILE: join(dir, 'not-a-ca.pem') }),
    );
    expect(message).toContain('REDIS_TLS_CA_FILE: REDIS_TLS_CA_FILE=');
    expect(message).toContain('is not a PEM certificate file');
    expect(message).not.toContain(PASSWORD);
  });

  it('reads a shared factory`s access from a raw environment, naming the variables', () => {
    expect(
      serviceAccessFromEnv(
        { REDIS_USERNAME: 'app', REDIS_PASSWORD_FILE: passwordFile },
        REDIS_CLIENT,
      ),
    ).toEqual({ username: 'app', password: PASSWORD });
    const message = messageOf(() => serviceAccessFromEnv({ REDIS_USERNAME: 'app' }, REDIS_CLIENT));
    expect(message).toBe(
      'invalid REDIS client configuration: REDIS_PASSWORD: is required when REDIS_USERNAME is set: set REDIS_PASSWORD or REDIS_PASSWORD_FILE (secrets have no default)',
    );
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { EnvConfigError, parseEnvConfig } from '@sousvide/shared-util';
import {
  optionalSecretEnvShape,
  readSecretFile,
  redactedErrorMessage,
  secretEnvShape,
  secretValuesOf,
  withSecretFiles,
} from './secret-env';

const SECRETS = ['INFLUX_TOKEN', 'REDIS_PASSWORD'] as const;
const schema = withSecretFiles(
  SECRETS,
  z.object({
    ...secretEnvShape(SECRETS, { REDIS_PASSWORD: { minLength: 12 } }),
    LOG_LEVEL: z.enum(['info', 'debug']),
  }),
);
const load = (env: NodeJS.ProcessEnv) => parseEnvConfig(schema, env, 'demo');

describe('secret environment variables', () => {
  let dir: string;
  let tokenFile: string;
  let passwordFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'secret-env-'));
    tokenFile = join(dir, 'influx-token');
    passwordFile = join(dir, 'redis-password');
    writeFileSync(tokenFile, 'token-from-file\n');
    writeFileSync(passwordFile, 'a-long-redis-password');
    writeFileSync(join(dir, 'empty'), '\n');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes each secret from X or from the file X_FILE (trailing newline stripped)', () => {
    const env = load({
      INFLUX_TOKEN_FILE: tokenFile,
      REDIS_PASSWORD: 'a-long-redis-password',
      LOG_LEVEL: 'info',
    });
    expect(env).toEqual({
      INFLUX_TOKEN: 'token-from-file',
      REDIS_PASSWORD: 'a-long-redis-password',
      LOG_LEVEL: 'info',
    });
  });

  it('has no default: a missing secret names both ways to set it', () => {
    expect(() => load({ LOG_LEVEL: 'info', REDIS_PASSWORD_FILE: passwordFile })).toThrow(
      'INFLUX_TOKEN: is required: set INFLUX_TOKEN or INFLUX_TOKEN_FILE (secrets have no default)',
    );
  });

  it('treats an empty X next to X_FILE as unset (compose passes X: ${X:-})', () => {
    const env = load({
      INFLUX_TOKEN: '',
      INFLUX_TOKEN_FILE: tokenFile,
      REDIS_PASSWORD_FILE: passwordFile,
      LOG_LEVEL: 'info',
    });
    expect(env.INFLUX_TOKEN).toBe('token-from-file');
  });

  it('reports every problem at once, naming the file variable and path, never a value', () => {
    const missing = join(dir, 'no-such-file');
    let message = '';
    try {
      load({
        INFLUX_TOKEN: 'inline-token',
        INFLUX_TOKEN_FILE: tokenFile,
        REDIS_PASSWORD_FILE: missing,
        LOG_LEVEL: 'verbose',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('INFLUX_TOKEN: set INFLUX_TOKEN or INFLUX_TOKEN_FILE, not both');
    expect(message).toContain(
      `REDIS_PASSWORD: cannot read REDIS_PASSWORD_FILE=${missing} (ENOENT)`,
    );
    expect(message).toContain('LOG_LEVEL');
    expect(message).not.toContain('inline-token');
    expect(message).not.toContain('token-from-file');
  });

  it('rejects an empty file, a blank value and a value shorter than its rule', () => {
    expect(() =>
      load({
        INFLUX_TOKEN_FILE: join(dir, 'empty'),
        REDIS_PASSWORD_FILE: passwordFile,
        LOG_LEVEL: 'info',
      }),
    ).toThrow(`INFLUX_TOKEN: INFLUX_TOKEN_FILE=${join(dir, 'empty')} is empty`);
    expect(() =>
      load({ INFLUX_TOKEN: '   ', REDIS_PASSWORD_FILE: passwordFile, LOG_LEVEL: 'info' }),
    ).toThrow('INFLUX_TOKEN: is blank');
    expect(() => load({ INFLUX_TOKEN: 't', REDIS_PASSWORD: 'short', LOG_LEVEL: 'info' })).toThrow(
      'REDIS_PASSWORD: is too short: at least 12 characters',
    );
  });

  it('reads a secret file without its one trailing newline, keeping inner whitespace', () => {
    const file = join(dir, 'spaced');
    writeFileSync(file, ' a b \r\n');
    expect(readSecretFile(file)).toBe(' a b ');
  });

  it('lists the values to mask, inline and from files, skipping blank and unreadable ones', () => {
    expect(
      secretValuesOf(SECRETS, {
        INFLUX_TOKEN: 'inline-token',
        REDIS_PASSWORD_FILE: passwordFile,
      }),
    ).toEqual(['inline-token', 'a-long-redis-password']);
    expect(
      secretValuesOf(SECRETS, {
        INFLUX_TOKEN: '  ',
        INFLUX_TOKEN_FILE: join(dir, 'missing'),
        REDIS_PASSWORD_FILE: join(dir, 'empty'),
      }),
    ).toEqual([]);
  });

  it('lets an optional secret be absent, but still checks a set one and its file', () => {
    const optional = withSecretFiles(
      ['FLEET_SECRET'],
      z.object(optionalSecretEnvShape(['FLEET_SECRET'], { FLEET_SECRET: { minLength: 32 } })),
    );
    const parse = (env: NodeJS.ProcessEnv) => parseEnvConfig(optional, env, 'demo');
    expect(parse({})).toEqual({ FLEET_SECRET: undefined });
    expect(parse({ FLEET_SECRET: '' })).toEqual({ FLEET_SECRET: undefined });
    expect(parse({ FLEET_SECRET: 'f'.repeat(32) })).toEqual({ FLEET_SECRET: 'f'.repeat(32) });
    expect(() => parse({ FLEET_SECRET: 'short' })).toThrow(
      'FLEET_SECRET: is too short: at least 32 characters',
    );
    expect(() => parse({ FLEET_SECRET_FILE: join(dir, 'missing') })).toThrow(
      `FLEET_SECRET: cannot read FLEET_SECRET_FILE=${join(dir, 'missing')} (ENOENT)`,
    );
  });

  describe('redactedErrorMessage', () => {
    const fleet = withSecretFiles(
      ['FLEET_SECRET'],
      z.object(optionalSecretEnvShape(['FLEET_SECRET'], { FLEET_SECRET: { minLength: 32 } })),
    );
    const messageOf = (env: NodeJS.ProcessEnv): string => {
      try {
        parseEnvConfig(fleet, env, 'demo');
      } catch (err) {
        return redactedErrorMessage(err, ['FLEET_SECRET'], env);
      }
      throw new Error('the environment was accepted');
    };

    it('leaves a config error readable: a short secret is no word of its message to mask', () => {
      expect(messageOf({ FLEET_SECRET: 'short' })).toBe(
        'invalid demo configuration: FLEET_SECRET: is too short: at least 32 characters',
      );
      expect(messageOf({ FLEET_SECRET: 'least' })).toContain('at least 32 characters');
    });

    it('masks the secrets inline and from their files in any other error', () => {
      const env = { FLEET_SECRET: 'inline-fleet-secret', INFLUX_TOKEN_FILE: tokenFile };
      const err = new Error('refused inline-fleet-secret and token-from-file');
      expect(redactedErrorMessage(err, ['FLEET_SECRET', 'INFLUX_TOKEN'], env)).toBe(
        'refused *** and ***',
      );
      expect(redactedErrorMessage('text inline-fleet-secret', ['FLEET_SECRET'], env)).toBe(
        'text ***',
      );
    });

    it('masks URL passwords in a config error too', () => {
      expect(redactedErrorMessage(new EnvConfigError('bad mqtt://u:pw@h'), [], {})).toBe(
        'bad mqtt://u:***@h',
      );
    });
  });
});

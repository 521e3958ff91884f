import { z } from 'zod';
import { envNumber, parseEnvConfig, redisUrlSchema } from './env-config';

describe('parseEnvConfig with redisUrlSchema', () => {
  const schema = z.object({ REDIS_URL: redisUrlSchema() });

  it('takes redis:// and rediss://, and defaults to the local Redis', () => {
    expect(parseEnvConfig(schema, { REDIS_URL: 'rediss://u:p@r:6380/2' }, 'app').REDIS_URL).toBe(
      'rediss://u:p@r:6380/2',
    );
    expect(parseEnvConfig(schema, {}, 'app').REDIS_URL).toBe('redis://127.0.0.1:6379');
  });

  it('names the schemes it takes, without echoing a URL that may hold a password', () => {
    expect(() => parseEnvConfig(schema, { REDIS_URL: 'http://u:secret@r:6379' }, 'app')).toThrow(
      'invalid app configuration: REDIS_URL: must be a redis:// or rediss:// URL',
    );
    expect(() =>
      parseEnvConfig(schema, { REDIS_URL: 'http://u:secret@r:6379' }, 'app'),
    ).not.toThrow(/secret/);
  });
});

describe('envNumber', () => {
  const schema = z.object({
    N: envNumber(z.number().int().min(1).max(64).default(4)),
    T: envNumber(z.number().min(-20).max(120).optional()),
  });
  const read = (env: NodeJS.ProcessEnv) => parseEnvConfig(schema, env, 'test');

  it('reads plain decimal with blanks around it, a minus where the range allows one', () => {
    expect(read({ N: ' 8 ', T: '-2.5' })).toEqual({ N: 8, T: -2.5 });
  });

  it('takes a blank variable as unset, so its default applies (z.coerce read it as 0)', () => {
    expect(read({ N: '', T: '  ' })).toEqual({ N: 4 });
  });

  it('refuses other notations, naming the value, and keeps the bounds', () => {
    expect(() => read({ N: '0x10' })).toThrow(
      'N: must be a number written in plain decimal (got "0x10")',
    );
    expect(() => read({ T: 'Infinity' })).toThrow('T: must be a number written in plain decimal');
    expect(() => read({ N: '65' })).toThrow('N: Too big');
    expect(() => read({ N: '2.5' })).toThrow('N: Invalid input: expected int');
  });
});

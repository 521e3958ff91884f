import { z } from 'zod';
import { parseEnvConfig, redisUrlSchema } from './env-config';

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

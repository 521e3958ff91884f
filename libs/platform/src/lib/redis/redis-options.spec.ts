import { redisBootMessage, redisVersionProblem } from './redis-options';

/** The first lines of a real `INFO server` answer (Redis 7.0.15 on Debian 12), version swapped. */
function infoOf(version: string): string {
  return [
    '# Server',
    `redis_version:${version}`,
    'redis_git_sha1:00000000',
    'redis_mode:standalone',
    'os:Linux 6.1.0-18-amd64 x86_64',
    '',
  ].join('\r\n');
}

describe('redisVersionProblem', () => {
  const needs = 'the idempotency claim needs (SET ... NX GET)';
  const fix = 'upgrade it (the caller says how)';

  it.each(['7.0.0', '7.0.15', '7.2.4', '8.0.1', '10.1.0'])('accepts Redis %s for 7.0', (v) => {
    expect(redisVersionProblem(infoOf(v), '7.0', needs, fix)).toBeUndefined();
  });

  it.each(['6.2.14', '6.0.0', '5.0.7', '2.8.0'])('names Redis %s, the minimum and why', (v) => {
    expect(redisVersionProblem(infoOf(v), '7.0', needs, fix)).toBe(
      `runs Redis ${v}, older than the 7.0 that ${needs}: ${fix}`,
    );
  });

  it('compares the minor version within one major', () => {
    expect(redisVersionProblem(infoOf('7.1.0'), '7.2', needs, fix)).toMatch(/runs Redis 7\.1\.0,/);
    expect(redisVersionProblem(infoOf('7.2.0'), '7.2', needs, fix)).toBeUndefined();
  });

  it('lets a server that does not say its version through', () => {
    expect(
      redisVersionProblem('# Server\r\nredis_mode:standalone\r\n', '7.0', needs, fix),
    ).toBeUndefined();
  });
});

describe('redisBootMessage', () => {
  it('names the credential variables when Redis refused them', () => {
    expect(redisBootMessage('redis://u:secret@h:6379', 'WRONGPASS invalid', 'x')).toMatch(
      /refused the credentials \(WRONGPASS invalid\): check REDIS_USERNAME/,
    );
  });

  it('masks the password and gives the hint when Redis is unreachable', () => {
    const msg = redisBootMessage('redis://u:secret@h:6379', 'ECONNREFUSED', 'check REDIS_URL');
    expect(msg).not.toContain('secret');
    expect(msg).toMatch(/is unreachable \(ECONNREFUSED\): check REDIS_URL$/);
  });
});

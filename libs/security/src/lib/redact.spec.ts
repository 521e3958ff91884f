import { redactText, redactUrl } from './redact';

describe('redactUrl', () => {
  it('masks the password of a URL and keeps user, host, port and path', () => {
    expect(redactUrl('redis://ingest:s3cr3t-pass@redis:6379/2')).toBe(
      'redis://ingest:***@redis:6379/2',
    );
    expect(redactUrl('mqtts://sv-000001:Zm9vYmFy@broker.example:8883')).toBe(
      'mqtts://sv-000001:***@broker.example:8883',
    );
  });

  it('masks a password given without a user (Redis AUTH style)', () => {
    expect(redactUrl('redis://:hunter22@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379');
  });

  it('masks credential query parameters and keeps the others', () => {
    expect(redactUrl('https://influx:8086/api/v2/write?org=o&token=abcdef123&bucket=b')).toBe(
      'https://influx:8086/api/v2/write?org=o&token=***&bucket=b',
    );
  });

  it('returns a URL without credentials exactly as given', () => {
    expect(redactUrl('mqtt://127.0.0.1:1883')).toBe('mqtt://127.0.0.1:1883');
    expect(redactUrl('http://victoria:8428')).toBe('http://victoria:8428');
  });

  it('redacts text that is not a URL as free text', () => {
    expect(redactUrl('not a url redis://u:pw@h')).toBe('not a url redis://u:***@h');
  });
});

describe('redactText', () => {
  it('masks every URL password inside a message', () => {
    const message =
      'Redis at redis://gw:redis-pass@10.0.0.5:6379 unreachable; broker mqtt://gw:mqtt-pass@b:1883 too';
    const out = redactText(message);
    expect(out).toBe(
      'Redis at redis://gw:***@10.0.0.5:6379 unreachable; broker mqtt://gw:***@b:1883 too',
    );
    expect(out).not.toContain('redis-pass');
    expect(out).not.toContain('mqtt-pass');
  });

  it('masks credential query parameters inside a message', () => {
    expect(redactText('GET /write?token=tok-123&org=x failed')).toBe(
      'GET /write?token=***&org=x failed',
    );
  });

  it('masks the literal values of known secrets, longest first', () => {
    const out = redactText('auth failed with key abcd1234efgh (prefix abcd1234)', [
      'abcd1234',
      'abcd1234efgh',
    ]);
    expect(out).toBe('auth failed with key *** (prefix ***)');
  });

  it('ignores literal secrets too short to search for safely', () => {
    expect(redactText('the cat sat', ['', 'cat'])).toBe('the cat sat');
  });
});

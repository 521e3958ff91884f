import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadApiToken } from './api-env.schema';
import { loadCoordinatorEnv } from './env.schema';

const TOKEN = '0123456789abcdef'.repeat(4);

describe("serve's environment", () => {
  it('requires the API token, naming both variables and no default', () => {
    expect(() => loadApiToken({})).toThrow(
      'COORDINATOR_API_TOKEN: is required: set COORDINATOR_API_TOKEN or COORDINATOR_API_TOKEN_FILE (secrets have no default)',
    );
  });

  it('reads the token from COORDINATOR_API_TOKEN_FILE without its trailing newline', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'api-token-')), 'token');
    writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    expect(loadApiToken({ COORDINATOR_API_TOKEN_FILE: file })).toBe(TOKEN);
    expect(loadApiToken({ COORDINATOR_API_TOKEN: TOKEN })).toBe(TOKEN);
  });

  it('refuses a short token and an unreadable file without printing a value', () => {
    let message = '';
    try {
      loadApiToken({ COORDINATOR_API_TOKEN: 'short-secret-value' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('COORDINATOR_API_TOKEN: is too short: at least 32 characters');
    expect(message).not.toContain('short-secret-value');
    expect(() => loadApiToken({ COORDINATOR_API_TOKEN_FILE: '/nonexistent/token' })).toThrow(
      'cannot read COORDINATOR_API_TOKEN_FILE=/nonexistent/token (ENOENT)',
    );
  });

  it('binds to loopback and carries one run at a time unless told otherwise', () => {
    expect(loadCoordinatorEnv({})).toMatchObject({ OPS_HOST: '127.0.0.1', MAX_CONCURRENT_RUNS: 1 });
    expect(loadCoordinatorEnv({ OPS_HOST: '0.0.0.0', MAX_CONCURRENT_RUNS: '3' })).toMatchObject({
      OPS_HOST: '0.0.0.0',
      MAX_CONCURRENT_RUNS: 3,
    });
    expect(() => loadCoordinatorEnv({ OPS_HOST: 'everywhere' })).toThrow(
      'OPS_HOST: OPS_HOST must be an IP address',
    );
    expect(() => loadCoordinatorEnv({ MAX_CONCURRENT_RUNS: '0' })).toThrow('MAX_CONCURRENT_RUNS');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentSecurity, loadAgentEnv } from './env.schema';

describe('agent environment: device identities and TLS', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-env-'));
    writeFileSync(join(dir, 'fleet-secret'), `${'f'.repeat(43)}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is anonymous without a fleet secret, and uses no TLS files without MQTT_TLS_*', () => {
    expect(agentSecurity(loadAgentEnv({}))).toEqual({ fleetSecret: undefined, tls: undefined });
  });

  it('takes the fleet secret from FLEET_SECRET_FILE', () => {
    const env = loadAgentEnv({ FLEET_SECRET_FILE: join(dir, 'fleet-secret') });
    expect(agentSecurity(env).fleetSecret).toBe('f'.repeat(43));
  });

  it('refuses a short secret without printing it', () => {
    expect(() => loadAgentEnv({ FLEET_SECRET: 'tooShortSecret' })).toThrow(
      'invalid sim-agent configuration: FLEET_SECRET: is too short: at least 32 characters',
    );
    expect(() => loadAgentEnv({ FLEET_SECRET: 'tooShortSecret' })).not.toThrow(/tooShortSecret/);
  });

  it('checks MQTT_TLS_CA_FILE at boot, naming the variable', () => {
    const env = loadAgentEnv({ MQTT_TLS_CA_FILE: join(dir, 'missing.crt') });
    expect(() => agentSecurity(env)).toThrow(
      `cannot read MQTT_TLS_CA_FILE=${join(dir, 'missing.crt')} (ENOENT)`,
    );
  });
});

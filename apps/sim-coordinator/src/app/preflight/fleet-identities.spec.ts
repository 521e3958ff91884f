import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetSecretFingerprint } from '@sousvide/security';
import { fleetChecks, readFleetFacts } from './fleet-identities';
import { FleetFacts, PreflightPlan } from './preflight.types';

const SECRET = 'a'.repeat(43);
const OTHER = 'b'.repeat(43);

const plan = (totalConnections: number, localAgents = true): PreflightPlan => ({
  attempt: 1,
  brokerUrl: 'mqtt://127.0.0.1:1883',
  brokerIp: '127.0.0.1',
  brokerPort: 1883,
  model: 'lean',
  totalConnections,
  partitions: 1,
  maxConnectionsPerPartition: totalConnections,
  agentProcesses: 1,
  maxConnectionsPerAgent: totalConnections,
  connectParallelism: 10,
  localAgents,
  sourceAddresses: [],
  maxConnectionsPerSource: totalConnections,
});

const manifest = (count: number, prefix = 'sv-') => ({
  version: 1,
  createdAt: '2026-12-02T10:00:00.000Z',
  format: 'dynsec',
  brokerFile: 'dynamic-security.json',
  devices: {
    count,
    prefix,
    firstId: `${prefix}000000`,
    lastId: `${prefix}${String(count - 1).padStart(6, '0')}`,
    clientIdBound: true,
  },
  passwordScheme: 'hmac-sha256-base64url-v1',
  fleetSecretFingerprint: fleetSecretFingerprint(SECRET),
  gateway: { username: 'ingest-gateway' },
  hash: { algorithm: 'pbkdf2-sha512', iterations: 101 },
});

describe('fleet identity checks', () => {
  let dir: string;
  const write = (name: string, content: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-checks-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const judge = (n: number, fleet: FleetFacts, localAgents = true) =>
    fleetChecks(plan(n, localAgents), fleet).map((c) => [c.name, c.status]);

  it('checks nothing without FLEET_MANIFEST_FILE', () => {
    expect(fleetChecks(plan(10), undefined)).toEqual([]);
  });

  it('passes provisioned devices and the provisioned secret, recording the figures', () => {
    const fleet = readFleetFacts(write('ok.json', manifest(100)), SECRET);
    expect(fleet).toMatchObject({
      devices: { count: 100, prefix: 'sv-', firstId: 'sv-000000', lastId: 'sv-000099' },
      fingerprint: fleetSecretFingerprint(SECRET),
      secretFingerprint: fleetSecretFingerprint(SECRET),
    });
    expect(JSON.stringify(fleet)).not.toContain(SECRET);
    expect(judge(100, fleet)).toEqual([
      ['fleet-devices', 'ok'],
      ['fleet-secret', 'ok'],
    ]);
  });

  it('refuses devices beyond the provisioned range, naming both ranges and the fix', () => {
    const [devices] = fleetChecks(
      plan(150),
      readFleetFacts(write('few.json', manifest(100)), SECRET),
    );
    expect(devices).toMatchObject({
      name: 'fleet-devices',
      status: 'refuse',
      need: 150,
      limit: 100,
    });
    expect(devices.message).toBe(
      "device identities: this run's 150 devices sv-000000..sv-000149 are not all provisioned: fleet.json has 100 (sv-000000..sv-000099)",
    );
    expect(devices.fix).toContain('npx nx run provisioner:provision -- --devices 150');
    const other = readFleetFacts(write('prefix.json', manifest(1000, 'dev-')), SECRET);
    expect(judge(10, other)).toEqual([
      ['fleet-devices', 'refuse'],
      ['fleet-secret', 'ok'],
    ]);
  });

  it('refuses a fleet secret whose fingerprint differs from the manifest, without printing it', () => {
    const [, secret] = fleetChecks(plan(10), readFleetFacts(write('m.json', manifest(100)), OTHER));
    expect(secret.status).toBe('refuse');
    expect(secret.message).toContain(
      `the fingerprint of FLEET_SECRET(_FILE) is ${fleetSecretFingerprint(OTHER)}, fleet.json's (provisioned 2026-12-02T10:00:00.000Z) is ${fleetSecretFingerprint(SECRET)}`,
    );
    expect(secret.fix).toContain('FLEET_SECRET_FILE');
    expect(`${secret.message}${secret.fix}`).not.toContain(OTHER);
  });

  it('refuses local agents without a secret; cannot tell for agents elsewhere', () => {
    const fleet = readFleetFacts(write('n.json', manifest(100)), undefined);
    expect(judge(10, fleet)).toEqual([
      ['fleet-devices', 'ok'],
      ['fleet-secret', 'refuse'],
    ]);
    expect(judge(10, fleet, false)).toEqual([
      ['fleet-devices', 'ok'],
      ['fleet-secret', 'unknown'],
    ]);
  });

  it('refuses a manifest it cannot read or that is not a fleet.json, naming the file', () => {
    const missing = join(dir, 'missing.json');
    const [unreadable] = fleetChecks(plan(10), readFleetFacts(missing, SECRET));
    expect(unreadable).toMatchObject({ name: 'fleet-manifest', status: 'refuse' });
    expect(unreadable.message).toBe(
      `fleet manifest FLEET_MANIFEST_FILE=${missing}: cannot read it (ENOENT)`,
    );
    const notJson = fleetChecks(plan(10), readFleetFacts(write('x.json', '{'), SECRET));
    expect(notJson[0].message).toContain(': not JSON (');
    const wrong = fleetChecks(plan(10), readFleetFacts(write('w.json', { version: 1 }), SECRET));
    expect(wrong.map((c) => c.name)).toEqual(['fleet-manifest']);
    expect(wrong[0].message).toContain('not a fleet.json: ');
  });
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devicePassword } from '../fleet/device-credentials';
import { fleetManifestSchema } from '../fleet/fleet-manifest';
import { parsePasswordFileLine, verifyMosquittoPassword } from '../mosquitto/mosquitto-password';
import { FleetProvisionOptions, provisionFleet } from './provision-fleet';

const provision = (o: Partial<FleetProvisionOptions> & { devices: number; out: string }) =>
  provisionFleet({
    format: 'dynsec',
    prefix: 'sv-',
    gatewayUser: 'ingest-gateway',
    fleetSecretFile: join(o.out, 'fleet-secret'),
    gatewayPasswordFile: join(o.out, 'gateway-password'),
    rotate: false,
    iterations: 101,
    deviceIterations: 1,
    ...o,
  });
const mode = (file: string): number => statSync(file).mode & 0o777;

describe('provision (real files in a temporary directory)', () => {
  let out: string;

  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), 'provision-'));
  });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  it('writes dynsec identities whose hashes match the passwords derived from the fleet secret', async () => {
    const r = await provision({ devices: 3, out });
    const secret = readFileSync(join(out, 'fleet-secret'), 'utf8').trim();
    const gatewayPassword = readFileSync(join(out, 'gateway-password'), 'utf8').trim();
    const monitorPassword = readFileSync(join(out, 'monitor-password'), 'utf8').trim();
    expect(mode(join(out, 'fleet-secret'))).toBe(0o600);
    expect(mode(join(out, 'gateway-password'))).toBe(0o600);
    expect(mode(join(out, 'monitor-password'))).toBe(0o600);
    expect(monitorPassword).not.toBe(gatewayPassword);
    const config = JSON.parse(readFileSync(r.identitiesFile, 'utf8'));
    const stored = (username: string) => {
      const c = config.clients.find((x: { username: string }) => x.username === username);
      return {
        iterations: c.iterations,
        salt: Buffer.from(c.salt, 'base64'),
        hash: Buffer.from(c.password, 'base64'),
      };
    };
    expect(config.clients.map((c: { username: string }) => c.username)).toEqual([
      'ingest-gateway',
      'sim-coordinator',
      'sv-000000',
      'sv-000001',
      'sv-000002',
    ]);
    expect(verifyMosquittoPassword(stored('sv-000001'), devicePassword(secret, 'sv-000001'))).toBe(
      true,
    );
    expect(verifyMosquittoPassword(stored('sv-000001'), devicePassword(secret, 'sv-000002'))).toBe(
      false,
    );
    expect(verifyMosquittoPassword(stored('ingest-gateway'), gatewayPassword)).toBe(true);
    // Devices at their own rounds (derived 256-bit passwords, ADR 0059), services at theirs.
    expect(stored('sv-000001').iterations).toBe(1);
    expect(stored('ingest-gateway').iterations).toBe(101);
    expect(stored('sim-coordinator').iterations).toBe(101);
    expect(verifyMosquittoPassword(stored('sim-coordinator'), monitorPassword)).toBe(true);
    const monitor = config.clients.find(
      (c: { username: string }) => c.username === 'sim-coordinator',
    );
    // Any client id (the probe's are fresh each time); devices stay bound to their own ids.
    expect(monitor.clientid).toBeUndefined();
    expect(monitor.roles).toEqual([{ rolename: 'sim-coordinator-monitor' }]);
    const device = config.clients.find((c: { username: string }) => c.username === 'sv-000001');
    expect(device.clientid).toBe('sv-000001');
    expect(readFileSync(join(out, 'mosquitto', 'auth.conf'), 'utf8')).toContain(
      'plugin_opt_config_file /mosquitto/auth/dynamic-security.json',
    );
  });

  it('writes a manifest that holds no secret', async () => {
    const r = await provision({ devices: 2, out });
    const text = readFileSync(r.manifestFile, 'utf8');
    expect(fleetManifestSchema.parse(JSON.parse(text))).toEqual(r.manifest);
    expect(r.manifest.monitor).toEqual({ username: 'sim-coordinator' });
    expect(r.manifest.hash).toEqual({
      algorithm: 'pbkdf2-sha512',
      iterations: 101,
      deviceIterations: 1,
    });
    for (const s of r.secrets) {
      expect(text).not.toContain(s.value);
    }
    expect(text).not.toContain(devicePassword(r.secrets[0].value, 'sv-000000'));
  });

  it('still reads a manifest written before the monitor identity existed', async () => {
    const r = await provision({ devices: 1, out });
    const older: Record<string, unknown> = JSON.parse(readFileSync(r.manifestFile, 'utf8'));
    delete older['monitor'];
    expect(fleetManifestSchema.parse(older).monitor).toBeUndefined();
  });

  it('still reads a manifest written before devices had their own rounds', async () => {
    const r = await provision({ devices: 1, out });
    const older = JSON.parse(readFileSync(r.manifestFile, 'utf8'));
    delete older.hash.deviceIterations;
    expect(fleetManifestSchema.parse(older).hash.deviceIterations).toBeUndefined();
  });

  it('takes the monitor identity and its password file from the options', async () => {
    const file = join(out, 'elsewhere', 'probe-password');
    const r = await provision({ devices: 1, out, monitorUser: 'probe', monitorPasswordFile: file });
    expect(r.manifest.monitor).toEqual({ username: 'probe' });
    expect(mode(file)).toBe(0o600);
    expect(r.secrets.map((s) => s.file)).toContain(file);
    const config = JSON.parse(readFileSync(r.identitiesFile, 'utf8'));
    expect(config.clients.map((c: { username: string }) => c.username)).toContain('probe');
  });

  it('keeps existing secrets, so provisioning again keeps every device password; --rotate replaces them', async () => {
    const first = await provision({ devices: 2, out });
    const again = await provision({ devices: 4, out });
    expect(again.secrets.map((s) => s.created)).toEqual([false, false, false]);
    expect(again.manifest.fleetSecretFingerprint).toBe(first.manifest.fleetSecretFingerprint);
    const rotated = await provision({ devices: 4, out, rotate: true });
    expect(rotated.secrets.map((s) => s.created)).toEqual([true, true, true]);
    expect(rotated.manifest.fleetSecretFingerprint).not.toBe(first.manifest.fleetSecretFingerprint);
  });

  it('refuses a given fleet secret that is too short, writing no identities', async () => {
    const file = join(out, 'weak');
    writeFileSync(file, 'short\n');
    await expect(provision({ devices: 1, out, fleetSecretFile: file })).rejects.toThrow(
      `the fleet secret in ${file} is shorter than 32 characters`,
    );
    expect(() => statSync(join(out, 'fleet.json'))).toThrow();
  });

  it('names the secret and its file when the file cannot be read', async () => {
    const dir = join(out, 'a-directory');
    mkdirSync(dir);
    await expect(provision({ devices: 1, out, gatewayPasswordFile: dir })).rejects.toThrow(
      `cannot read the gateway password from ${dir}: EISDIR`,
    );
    expect(() => statSync(join(out, 'fleet.json'))).toThrow();
  });

  it('writes a $7$ password file and the acl patterns for --format passwd, removing dynsec files', async () => {
    await provision({ devices: 2, out });
    const r = await provision({ devices: 2, out, format: 'passwd' });
    const secret = r.secrets[0].value;
    const lines = readFileSync(r.identitiesFile, 'utf8').trim().split('\n');
    expect(lines.map((l) => parsePasswordFileLine(l).username)).toEqual([
      'ingest-gateway',
      'sim-coordinator',
      'sv-000000',
      'sv-000001',
    ]);
    const device = parsePasswordFileLine(lines[3]);
    expect(device.hash.iterations).toBe(1);
    expect(parsePasswordFileLine(lines[0]).hash.iterations).toBe(101);
    expect(verifyMosquittoPassword(device.hash, devicePassword(secret, 'sv-000001'))).toBe(true);
    const acl = readFileSync(join(out, 'mosquitto', 'acl'), 'utf8');
    expect(acl).toContain('pattern write sousvide/%u/telemetry');
    expect(acl).toContain('user sim-coordinator\ntopic read $SYS/#\n');
    expect(() => statSync(join(out, 'mosquitto', 'dynamic-security.json'))).toThrow();
    expect(r.manifest.devices.clientIdBound).toBe(false);
  });
});

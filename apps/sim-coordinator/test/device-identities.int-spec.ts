import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionSummary } from '@sousvide/loadtest-contracts';
import { devicePassword, generateSecret } from '@sousvide/security';
import {
  countAsGateway,
  pollUntil,
  RedisService,
  type SecureBroker,
  startRedis,
  startSecureBroker,
} from '@sousvide/testing';
import { artifactsDir, type CliResult, exitOf, readJson, runCli } from './cli-runner';

const DEVICES = 20;

/** Every file below `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** A small run: 2 partitions, 1 msg/s for 1 s at QoS 1 (a message per device), one attempt. */
const run = (connections: number, model: string, runId: string): string[] => [
  'loadtest',
  'run',
  ...Object.entries({
    connections,
    partitions: 2,
    parallelism: 10,
    mps: 1,
    duration: 1,
    qos: 1,
    model,
    'run-id': runId,
    'max-attempts': 1,
  }).map(([flag, value]) => `--${flag}=${value}`),
];

/**
 * Runs `loadtest run` (one attempt of `run()`) with the gateway identity subscribed to every
 * device's telemetry, and expects it to pass with all DEVICES connected and every message both
 * acknowledged and received on the gateway side (waited for with a deadline): under MQTT 3.1.1 a
 * publish the ACL drops still gets its PUBACK, so only a subscriber shows the messages got through.
 */
async function expectEverythingDelivered(
  b: SecureBroker,
  args: string[],
  env: Record<string, string>,
  runId: string,
): Promise<CliResult> {
  const gateway = countAsGateway(b, 'sousvide/+/telemetry');
  try {
    await gateway.ready;
    const res = await runCli(args, env);
    expect(exitOf(res)).toMatchObject({ code: 0 });
    const dir = join(env.ARTIFACTS_DIR, runId, 'attempt-1');
    const summary = readJson<ConnectionSummary>(join(dir, 'connection-summary.json'));
    expect(summary).toMatchObject({ connected_total: DEVICES, failed_total: 0 });
    expect(summary.published_total).toBe(DEVICES);
    const received = await pollUntil(
      () => gateway.count(),
      (n) => n >= summary.published_total,
    );
    expect(received).toBe(summary.published_total);
    return res;
  } finally {
    await gateway.stop();
  }
}

/**
 * `loadtest run` with local agents against the real secure broker (secure.conf, dynamic
 * security): the coordinator's FLEET_SECRET_FILE reaches the agents it starts, the preflight
 * checks FLEET_MANIFEST_FILE, and nothing written holds the secret or a device password.
 */
describe('loadtest run with device identities (real agents, Redis, secure Mosquitto)', () => {
  let redis: RedisService;
  let b: SecureBroker;
  let env: Record<string, string>;
  let wrongSecretFile: string;

  beforeAll(async () => {
    [redis, b] = await Promise.all([
      startRedis(),
      startSecureBroker({ format: 'dynsec', devices: DEVICES }),
    ]);
    wrongSecretFile = join(b.dir, 'wrong-secret');
    writeFileSync(wrongSecretFile, generateSecret(), { mode: 0o600 });
  });
  afterAll(async () => {
    await Promise.allSettled([redis?.stop(), b?.stop()]);
  });
  beforeEach(() => {
    env = {
      REDIS_URL: redis.url,
      MQTT_URL: b.broker.url,
      ARTIFACTS_DIR: artifactsDir(),
      JUDGE_SLO: '0',
      FLEET_SECRET_FILE: join(b.dir, 'fleet-secret'),
      FLEET_MANIFEST_FILE: join(b.dir, 'fleet.json'),
    };
  });

  it('publishes everything with each device logged in as itself, and writes no secret anywhere', async () => {
    const runId = `ids-ok-${Date.now()}`;
    const res = await expectEverythingDelivered(b, run(DEVICES, 'lean', runId), env, runId);

    const dir = join(env.ARTIFACTS_DIR, runId, 'attempt-1');
    const preflight = readJson<{
      preflight: {
        checks: { name: string; status: string }[];
        facts: { fleet: { devices: { count: number }; fingerprint: string } };
      };
    }>(join(dir, 'run.json')).preflight;
    expect(preflight.checks.filter((c) => c.name.startsWith('fleet-'))).toEqual([
      expect.objectContaining({ name: 'fleet-devices', status: 'ok' }),
      expect.objectContaining({ name: 'fleet-secret', status: 'ok' }),
    ]);
    expect(preflight.facts.fleet.devices.count).toBe(DEVICES);

    const secrets = [b.fleetSecret, devicePassword(b.fleetSecret, 'sv-000000')];
    const written = filesUnder(join(env.ARTIFACTS_DIR, runId));
    expect(written.length).toBeGreaterThan(3);
    for (const text of [res.stdout, res.stderr, ...written.map((f) => readFileSync(f, 'utf8'))]) {
      for (const secret of secrets) {
        expect(text.includes(secret)).toBe(false);
      }
    }
  });

  it('runs against an mqtts:// --broker-url (port and CA from the run), the gateway side receiving everything', async () => {
    const runId = `ids-tls-${Date.now()}`;
    const url = `mqtts://${b.broker.host}:${b.broker.mappedPort(8883)}`;
    await expectEverythingDelivered(
      b,
      [...run(DEVICES, 'mqttjs', runId), `--broker-url=${url}`],
      { ...env, MQTT_TLS_CA_FILE: join(b.certs.good, 'ca.crt') },
      runId,
    );
  });

  it('refuses a run with devices beyond the provisioned ones: exit 2, the ranges and the fix named', async () => {
    const res = await runCli(run(DEVICES + 10, 'lean', `ids-range-${Date.now()}`), env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      `this run's 30 devices sv-000000..sv-000029 are not all provisioned: fleet.json has 20 (sv-000000..sv-000019)`,
    );
    expect(res.stderr).toContain('fix: provision more');
  });

  it("refuses a fleet secret that is not the manifest's: exit 2, naming the fingerprints", async () => {
    const res = await runCli(run(DEVICES, 'lean', `ids-fp-${Date.now()}`), {
      ...env,
      FLEET_SECRET_FILE: wrongSecretFile,
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('fleet secret: the fingerprint of FLEET_SECRET(_FILE) is');
    expect(res.stderr).not.toContain(readFileSync(wrongSecretFile, 'utf8'));
  });

  it('fails fast as connack_rejected, saying why, when the broker refuses the devices', async () => {
    const runId = `ids-refused-${Date.now()}`;
    // No manifest: nothing stops the run before the broker does.
    const res = await runCli(run(DEVICES, 'mqttjs', runId), {
      ...env,
      FLEET_MANIFEST_FILE: '',
      FLEET_SECRET_FILE: wrongSecretFile,
    });
    expect(res.code).toBe(1);
    const dir = join(env.ARTIFACTS_DIR, runId, 'attempt-1');
    const summary = readJson<ConnectionSummary>(join(dir, 'connection-summary.json'));
    expect(summary.connected_total).toBe(0);
    expect(summary.failures_by_class.connect.connack_rejected).toBe(DEVICES);
    expect(summary.failure_reasons).toContainEqual(
      expect.stringMatching(
        /^20 devices: connack rejected: not authorized \(5\): check the fleet secret/,
      ),
    );
  });
});

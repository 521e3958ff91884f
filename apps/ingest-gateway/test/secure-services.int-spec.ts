import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import {
  cookerTelemetry,
  publishTelemetry,
  type RedisService,
  type SecureMosquitto,
  startRedis,
  startSecureMosquitto,
  startVictoriaMetrics,
  type VictoriaMetricsService,
  waitForStoredPoints,
} from '@sousvide/testing';
import {
  bootGatewayExpectingFailure,
  failingAtOnce,
  type GatewayProcess,
  ROOT,
  startGateway,
  WITHIN_SECONDS_MS,
} from './gateway-process';

const DEVICES = 10;
const PER_DEVICE = 5;

/**
 * The gateway against services that ask for credentials (ADR 0033): the secure broker (dynsec
 * identities from the provisioner's library, TLS on 8883 with a CA from make-certs.sh) and a Redis
 * whose only user is an ACL user with a password; every password comes from a file.
 */
describe('ingest gateway with credentials and TLS (secure Mosquitto, ACL Redis)', () => {
  let secure: SecureMosquitto;
  let redis: RedisService;
  let vm: VictoriaMetricsService;
  let dir: string;
  let env: Record<string, string>;
  const redisPassword = `redis-Acl-Password-${Date.now()}-42`;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-secure-'));
    writeFileSync(join(dir, 'redis-password'), `${redisPassword}\n`, { mode: 0o600 });
    [secure, redis, vm] = await Promise.all([
      startSecureMosquitto({ devices: DEVICES }),
      startRedis({ acl: { username: 'ingest', password: redisPassword } }),
      startVictoriaMetrics(),
    ]);
    env = {
      MQTT_URL: secure.tlsUrl,
      MQTT_USERNAME: secure.gatewayUser,
      MQTT_PASSWORD_FILE: secure.gatewayPasswordFile,
      MQTT_TLS_CA_FILE: secure.caFile,
      REDIS_URL: redis.url,
      REDIS_USERNAME: 'ingest',
      REDIS_PASSWORD_FILE: join(dir, 'redis-password'),
      INFLUX_URL: vm.url,
      SPOOL_DIR: join(dir, 'spool'),
    };
  });

  afterEach(async () => {
    await Promise.allSettled(gateways.splice(0).map((g) => g.stop()));
  });

  afterAll(async () => {
    await Promise.allSettled([secure?.stop(), redis?.stop(), vm?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the shared subscription as the provisioned gateway over TLS and stores what devices publish', async () => {
    const gateway = await startGateway({ ...env, GATEWAY_ID: 'gw-secure', LOG_LEVEL: 'debug' });
    gateways.push(gateway);
    const runId = `secure-${Date.now()}`;
    const ca = readFileSync(secure.caFile);
    const devices: MqttClient[] = [];
    try {
      for (let d = 0; d < DEVICES; d += 1) {
        const { id, login } = secure.device(d);
        const client = await connectAsync(
          secure.tlsUrl,
          { ...login, ca, protocolVersion: 5, reconnectPeriod: 0 },
          false,
        );
        devices.push(client);
        const messages = Array.from({ length: PER_DEVICE }, (_, k) =>
          cookerTelemetry(runId, d * PER_DEVICE + k, { deviceId: id }),
        );
        await publishTelemetry(client, messages);
      }
    } finally {
      await Promise.all(devices.map((c) => c.endAsync()));
    }
    expect(await waitForStoredPoints(vm, runId, DEVICES * PER_DEVICE)).toEqual({
      points: DEVICES * PER_DEVICE,
      series: DEVICES,
    });
    await gateway.stop();
    // Debug logging of a whole boot, ingest and shutdown names neither password.
    expect(gateway.output()).not.toContain(secure.gatewayPassword);
    expect(gateway.output()).not.toContain(redisPassword);
  });

  it('fails the boot within seconds when Redis refuses the password, naming REDIS_PASSWORD, printing neither', async () => {
    const wrong = join(dir, 'wrong-redis-password');
    writeFileSync(wrong, 'wrong-Redis-Password-77\n');
    const res = await bootGatewayExpectingFailure({ ...env, REDIS_PASSWORD_FILE: wrong });
    expect(res.code).toBe(1);
    expect(res.output).toContain(`Redis at ${redis.url} refused the credentials`);
    expect(res.output).toContain('REDIS_PASSWORD');
    expect(res.output).not.toContain('wrong-Redis-Password-77');
    expect(res.output).not.toContain(redisPassword);
    expect(res.ms).toBeLessThan((await failingAtOnce()) + WITHIN_SECONDS_MS);
  });

  it('fails the boot when the broker refuses the gateway password, naming MQTT_PASSWORD, printing neither', async () => {
    const wrong = join(dir, 'wrong-gateway-password');
    writeFileSync(wrong, 'wrong-Gateway-Password-77\n');
    const res = await bootGatewayExpectingFailure({ ...env, MQTT_PASSWORD_FILE: wrong });
    expect(res.code).toBe(1);
    expect(res.output).toContain(
      `MQTT broker at ${secure.tlsUrl} refused the gateway's credentials`,
    );
    expect(res.output).toContain('MQTT_PASSWORD');
    expect(res.output).not.toContain('wrong-Gateway-Password-77');
    expect(res.output).not.toContain(secure.gatewayPassword);
  });

  it('fails the boot when the broker`s certificate is not from the given CA, naming MQTT_TLS_CA_FILE', async () => {
    const rogue = join(dir, 'rogue-tls');
    execFileSync('bash', [join(ROOT, 'tools/security/make-certs.sh'), '--out', rogue], {
      stdio: 'ignore',
    });
    const res = await bootGatewayExpectingFailure({
      ...env,
      MQTT_TLS_CA_FILE: join(rogue, 'ca.crt'),
    });
    expect(res.code).toBe(1);
    expect(res.output).toContain(
      `MQTT broker at ${secure.tlsUrl} unreachable: its TLS certificate was not accepted`,
    );
    // The cause as Node's TLS put it, not just the advice every unreachable broker gets.
    expect(res.output).toMatch(
      /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|self[- ]signed certificate|unable to verify the first certificate/,
    );
    expect(res.output).toContain('check MQTT_TLS_CA_FILE');
  });
});

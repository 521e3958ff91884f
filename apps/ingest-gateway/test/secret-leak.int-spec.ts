import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startGateway } from './gateway-process';
import { loadArgs, runLoad, useIngestStack } from './ingest-stack';

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** `<where>:<line>` of each line of `text` that holds one of `secrets` (named, never printed). */
function leaks(where: string, text: string, secrets: Record<string, string>): string[] {
  return text.split('\n').flatMap((line, i) =>
    Object.entries(secrets)
      .filter(([, value]) => line.includes(value))
      .map(([name]) => `${name} in ${where}:${i + 1}`),
  );
}

const REDIS_PASSWORD = `redis-Leak-Canary-${Date.now()}-5e1d2b`;

describe('secrets in a run (real gateway and coordinator)', () => {
  // Redis with an ACL user: the gateway, the coordinator and its agents all AUTH with the password
  // from REDIS_PASSWORD_FILE.
  const stack = useIngestStack({ redisPassword: REDIS_PASSWORD });

  it('keeps the Influx token, the MQTT and Redis passwords (from files) and the API token out of everything the run wrote', async () => {
    const secrets = {
      INFLUX_TOKEN: `influx-Leak-Canary-${Date.now()}-7f3a9c`,
      COORDINATOR_API_TOKEN: `api-Leak-Canary-${Date.now()}-0123456789abcdef0123456789`,
      MQTT_PASSWORD: `mqtt-Leak-Canary-${Date.now()}-9b8c7d`,
      REDIS_PASSWORD,
    };
    const dir = mkdtempSync(join(tmpdir(), 'secret-leak-'));
    const tokenFile = join(dir, 'influx-token');
    writeFileSync(tokenFile, `${secrets.INFLUX_TOKEN}\n`, { mode: 0o600 });
    const mqttPasswordFile = join(dir, 'gateway-password');
    writeFileSync(mqttPasswordFile, `${secrets.MQTT_PASSWORD}\n`, { mode: 0o600 });
    // The suite's broker is anonymous: it accepts the gateway's identity without checking it, so
    // the password is sent (and could leak) without a dynsec broker for the simulated devices.
    const gateway = await startGateway({
      ...stack.baseEnv,
      INFLUX_TOKEN: '',
      INFLUX_TOKEN_FILE: tokenFile,
      MQTT_USERNAME: 'ingest-gateway',
      MQTT_PASSWORD_FILE: mqttPasswordFile,
      GATEWAY_ID: 'gw-leak',
      LOG_LEVEL: 'debug',
    });
    stack.gateways.push(gateway);
    const artifacts = join(dir, 'runs');
    const runId = `leak-${Date.now()}`;
    const res = await runLoad(
      loadArgs({
        connections: 50,
        partitions: 1,
        parallelism: 25,
        mps: 2,
        duration: 3,
        runId,
        requireBusinessSummary: true,
      }),
      {
        ...stack.baseEnv,
        ARTIFACTS_DIR: artifacts,
        COORDINATOR_API_TOKEN: secrets.COORDINATOR_API_TOKEN,
        INFLUX_TOKEN_FILE: tokenFile,
      },
    );
    expect(res.code).toBe(0);
    // Stopping flushes what the gateway still logs about its shutdown.
    await gateway.stop();

    const files = filesUnder(artifacts);
    const names = files.map((f) => relative(artifacts, f));
    for (const written of [
      'run.json',
      'connection-summary.json',
      'business-summary.json',
      'part-0.log',
    ]) {
      expect(names).toContainEqual(join(runId, 'attempt-1', written));
    }
    // The scan finds what it looks for, and says where.
    expect(leaks('probe', `first\nx ${secrets.INFLUX_TOKEN} y`, secrets)).toEqual([
      'INFLUX_TOKEN in probe:2',
    ]);
    const found = [
      ...files.flatMap((f) => leaks(relative(artifacts, f), readFileSync(f, 'utf8'), secrets)),
      ...leaks('gateway output', gateway.output(), secrets),
      ...leaks('coordinator output', res.out, secrets),
      ...(existsSync(gateway.auditLog)
        ? leaks('gateway audit log', readFileSync(gateway.auditLog, 'utf8'), secrets)
        : []),
    ];
    expect(found).toEqual([]);
    // The scan read what was written: the gateway logged and the run left its summaries.
    expect(gateway.output().length).toBeGreaterThan(0);
  });
});

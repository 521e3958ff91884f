import { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { MqttService, RedisService, startMosquitto, startRedis } from '@sousvide/testing';
import { artifactsDir, readJson, runCli } from './cli-runner';
import { startGateway } from './gateway-process';

describe('the run verdict includes the backend SLOs (real gateway, Redis and Mosquitto)', () => {
  let redis: RedisService;
  let mqtt: MqttService;
  let gateway: ChildProcess | undefined;

  beforeAll(async () => {
    [redis, mqtt] = await Promise.all([startRedis(), startMosquitto()]);
  });
  afterAll(async () => {
    gateway?.kill('SIGKILL');
    await Promise.allSettled([redis?.stop(), mqtt?.stop()]);
  });

  it('prints FAILED and exits 1 naming each missed SLO, and does not retry what a gentler generator cannot fix', async () => {
    // A store nobody listens on: every write fails, deterministically, whatever the machine's load.
    gateway = await startGateway({
      MQTT_URL: mqtt.url,
      REDIS_URL: redis.url,
      INFLUX_URL: 'http://127.0.0.1:1',
      INFLUX_TIMEOUT_MS: '500',
      INFLUX_RETRY_BUDGET_MS: '500',
      GATEWAY_ID: 'gw-verdict',
      AUDIT_LOG_PATH: join(artifactsDir(), 'audit.jsonl'),
    });
    const env = {
      REDIS_URL: redis.url,
      MQTT_URL: mqtt.url,
      ARTIFACTS_DIR: artifactsDir(),
      DRAIN_WINDOW_SEC: '90',
    };
    const runId = `int-verdict-${Date.now()}`;
    const res = await runCli(
      [
        ...['loadtest', 'run', '--connections', '50', '--partitions', '1', '--parallelism', '50'],
        ...['--mps', '1', '--duration', '4', '--qos', '1', '--model', 'lean'],
        ...['--run-id', runId, '--max-attempts', '2'],
      ],
      env,
    );
    const dir = join(env.ARTIFACTS_DIR, runId, 'attempt-1');
    const connection = readJson<{ status: string; published_total: number }>(
      join(dir, 'connection-summary.json'),
    );
    const run = readJson<{ status: string; reasons: string[] }>(join(dir, 'run.json'));
    const missed = [
      'SLO missed: ingestion success rate 0% (target >= 99.9%)',
      'SLO missed: Influx write failure rate 100% (target < 0.5%)',
    ];
    expect({ code: res.code, connection: connection.status, run: run.status }).toEqual({
      code: 1,
      connection: 'passed',
      run: 'failed',
    });
    expect(connection.published_total).toBe(200);
    expect(run.reasons).toEqual(expect.arrayContaining(missed));
    expect(res.stdout).toContain(`Run ${runId}: FAILED after 1 attempt(s)`);
    for (const reason of missed) {
      expect(res.stdout).toContain(reason);
    }
  });
});

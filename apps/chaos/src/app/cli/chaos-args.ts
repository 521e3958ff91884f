import { parseArgs } from 'node:util';

export const SCENARIOS = ['redis-outage', 'influx-spike', 'broker-restart'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** One chaos run, validated: every value is in range and the fault fits inside the load. */
export interface ChaosOptions {
  scenario: Scenario;
  devices: number;
  mps: number;
  qos: 0 | 1 | 2;
  model: string;
  /** Seconds of load before the fault is injected. */
  faultAt: number;
  faultSeconds: number;
  /** Total load seconds: fault-at + fault-seconds + the recovery window. */
  durationSec: number;
  /** influx-spike: latency added to every Influx round trip, ms (0 = none). */
  latencyMs: number;
  /** influx-spike: fraction of Influx writes answered 503 (0 = none). */
  errorRate: number;
  /** MTTR above this many seconds fails the verdict. */
  mttrBoundSec: number;
  runId: string;
  redisUrl: string;
  /**
   * The simulator's own control-plane Redis (BullMQ, barrier). Defaults to --redis-url; a
   * separate one keeps a Redis outage from also pausing the load generator.
   */
  simRedisUrl: string;
  mqttUrl: string;
  influxUrl: string;
  redisContainer: string;
  brokerContainer: string;
  /** The started gateway's subscription: shared (default) or exclusive (one connection). */
  gatewaySubscription: 'shared' | 'exclusive';
  artifactsDir: string;
  json: boolean;
}

export type ParsedChaos = { command: 'help' } | { command: 'run'; options: ChaosOptions };

/** A usage problem: exit code 2, no load started. */
export class ChaosUsageError extends Error {}

export const CHAOS_USAGE = `Usage: chaos <scenario> [options]

Drives a sustained simulated load through a gateway this runner starts, injects one fault at
--fault-at, lifts it after --fault-seconds, keeps the load on, replays the DLQ, and writes
<ARTIFACTS_DIR>/<run-id>/chaos/chaos-report.{json,md} next to the run's usual summaries.

Scenarios:
  redis-outage     pause the Redis container (heartbeats/DLQ fail over to the spool)
  influx-spike     latency and/or HTTP 503s on the Influx write path (fault proxy)
  broker-restart   restart the MQTT broker container (devices and gateway reconnect)

Options:
  --devices N            simulated devices, 1..20000                          [300]
  --mps X                messages per second per device, 0.01..100             [1]
  --qos 0|1|2            publish QoS                                           [1]
  --model NAME           client model: mqttjs | lean                           [mqttjs]
  --fault-at N           seconds of load before the fault                      [10]
  --fault-seconds N      fault length in seconds                               [10]
  --duration N           total load seconds (> fault-at + fault-seconds)       [fault-at + fault-seconds + 20]
  --latency-ms N         influx-spike: added latency per round trip, ms        [500 unless --error-rate]
  --error-rate X         influx-spike: fraction of writes answered 503, 0..1   [0]
  --mttr-bound N         verdict fails when MTTR exceeds N seconds             [10]
  --run-id ID            run id                                                [chaos-<scenario>-<time>]
  --redis-url URL        [REDIS_URL, redis://127.0.0.1:6379]
  --sim-redis-url URL    the simulator's own Redis (BullMQ); a separate one keeps a
                         redis-outage from pausing the load generator   [SIM_REDIS_URL, --redis-url]
  --mqtt-url URL         [MQTT_URL, mqtt://127.0.0.1:1883]
  --influx-url URL       Influx v2 write endpoint                     [INFLUX_URL, http://127.0.0.1:8428]
  --redis-container N    container to pause in redis-outage                   [sousvide-redis]
  --broker-container N   container to restart in broker-restart               [sousvide-mosquitto]
  --gateway-subscription shared|exclusive
                         the gateway's MQTT subscription: the shared one (default), or one
                         plain persistent subscription (survives a persistent broker's restart)
  --json                 print the report as JSON on stdout
  -h, --help             this text

Environment: ARTIFACTS_DIR (docs/loadtest-runs). Exit codes: 0 recovered with nothing lost,
1 not recovered in time or messages lost (or a service unreachable), 2 bad arguments or a
container that does not exist, 130 interrupted (the fault is lifted first).
`;

const OPTIONS = {
  devices: { type: 'string' },
  mps: { type: 'string' },
  qos: { type: 'string' },
  model: { type: 'string' },
  'fault-at': { type: 'string' },
  'fault-seconds': { type: 'string' },
  duration: { type: 'string' },
  'latency-ms': { type: 'string' },
  'error-rate': { type: 'string' },
  'mttr-bound': { type: 'string' },
  'run-id': { type: 'string' },
  'redis-url': { type: 'string' },
  'sim-redis-url': { type: 'string' },
  'mqtt-url': { type: 'string' },
  'influx-url': { type: 'string' },
  'redis-container': { type: 'string' },
  'broker-container': { type: 'string' },
  'gateway-subscription': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseChaosArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  now = new Date(),
): ParsedChaos {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ChaosUsageError((err as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    return { command: 'help' };
  }
  const scenario = positionals[0];
  if (positionals.length !== 1 || !SCENARIOS.includes(scenario as Scenario)) {
    throw new ChaosUsageError(
      `unknown scenario ${positionals.length ? `"${positionals.join(' ')}"` : '(none)'}; expected one of ${SCENARIOS.join(', ')}`,
    );
  }
  const faultAt = num('--fault-at', v['fault-at'], 10, 1, 3600, true);
  const faultSeconds = num('--fault-seconds', v['fault-seconds'], 10, 1, 3600, true);
  const durationSec = num('--duration', v.duration, faultAt + faultSeconds + 20, 2, 86_400, true);
  if (durationSec <= faultAt + faultSeconds) {
    throw new ChaosUsageError(
      `the fault (--fault-at ${faultAt} + --fault-seconds ${faultSeconds} = ${faultAt + faultSeconds} s) must end before the load does (--duration ${durationSec}); leave time to recover`,
    );
  }
  const errorRate = num('--error-rate', v['error-rate'], 0, 0, 1, false);
  const latencyMs = num('--latency-ms', v['latency-ms'], errorRate > 0 ? 0 : 500, 0, 600_000, true);
  if (scenario === 'influx-spike' && latencyMs === 0 && errorRate === 0) {
    throw new ChaosUsageError('influx-spike needs --latency-ms > 0 or --error-rate > 0');
  }
  const qos = num('--qos', v.qos, 1, 0, 2, true);
  const model = v.model ?? 'mqttjs';
  if (!['mqttjs', 'lean'].includes(model)) {
    throw new ChaosUsageError(`--model must be mqttjs or lean, got "${model}"`);
  }
  const gatewaySubscription = v['gateway-subscription'] ?? 'shared';
  if (gatewaySubscription !== 'shared' && gatewaySubscription !== 'exclusive') {
    throw new ChaosUsageError(
      `--gateway-subscription must be shared or exclusive, got "${gatewaySubscription}"`,
    );
  }
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const runId = v['run-id'] ?? `chaos-${scenario}-${stamp}`;
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(runId)) {
    throw new ChaosUsageError(`--run-id may hold letters, digits, . _ - (1..128), got "${runId}"`);
  }
  const redisUrl = url(
    '--redis-url',
    v['redis-url'] ?? env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    /^rediss?:$/,
  );
  return {
    command: 'run',
    options: {
      scenario: scenario as Scenario,
      devices: num('--devices', v.devices, 300, 1, 20_000, true),
      mps: num('--mps', v.mps, 1, 0.01, 100, false),
      qos: qos as 0 | 1 | 2,
      model,
      faultAt,
      faultSeconds,
      durationSec,
      latencyMs,
      errorRate,
      mttrBoundSec: num('--mttr-bound', v['mttr-bound'], 10, 1, 3600, false),
      runId,
      redisUrl,
      simRedisUrl: url(
        '--sim-redis-url',
        v['sim-redis-url'] ?? env['SIM_REDIS_URL'] ?? redisUrl,
        /^rediss?:$/,
      ),
      mqttUrl: url(
        '--mqtt-url',
        v['mqtt-url'] ?? env['MQTT_URL'] ?? 'mqtt://127.0.0.1:1883',
        /^(mqtt|tcp):$/,
      ),
      influxUrl: url(
        '--influx-url',
        v['influx-url'] ?? env['INFLUX_URL'] ?? 'http://127.0.0.1:8428',
        /^http:$/,
      ),
      redisContainer: v['redis-container'] ?? 'sousvide-redis',
      brokerContainer: v['broker-container'] ?? 'sousvide-mosquitto',
      gatewaySubscription,
      artifactsDir: env['ARTIFACTS_DIR'] ?? 'docs/loadtest-runs',
      json: v.json ?? false,
    },
  };
}

function num(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  integer: boolean,
): number {
  if (raw === undefined) {
    return fallback;
  }
  const n = Number(raw);
  if (
    raw.trim() === '' ||
    !Number.isFinite(n) ||
    n < min ||
    n > max ||
    (integer && !Number.isInteger(n))
  ) {
    throw new ChaosUsageError(
      `${name} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got "${raw}"`,
    );
  }
  return n;
}

function url(name: string, raw: string, protocol: RegExp): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ChaosUsageError(`${name} is not a URL: "${raw}"`);
  }
  if (!protocol.test(u.protocol)) {
    throw new ChaosUsageError(`${name} has the wrong scheme: "${raw}"`);
  }
  return raw;
}

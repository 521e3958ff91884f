import { z } from 'zod';
import { RUN_ID_PATTERN, RUN_ID_RULE } from '@sousvide/loadtest-contracts';
import {
  INFLUX_CLIENT,
  MQTT_CLIENT,
  REDIS_CLIENT,
  type ServiceClient,
  serviceAccessFromEnv,
} from '@sousvide/security';
import {
  brokerUrlProblem,
  choiceOption,
  numberOption,
  readCommandLine,
  textOptions,
  urlOption,
  UsageError,
  validateOptions,
} from '@sousvide/shared-util';

export const SCENARIOS = [
  'redis-outage',
  'influx-spike',
  'broker-restart',
  'gateway-kill',
] as const;
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

export const CHAOS_USAGE = `Usage: chaos <scenario> [options]

Drives a sustained simulated load through a gateway this runner starts, injects one fault at
--fault-at, lifts it after --fault-seconds, keeps the load on, replays the DLQ, and writes
<ARTIFACTS_DIR>/<run-id>/chaos/chaos-report.{json,md} next to the run's usual summaries.

Scenarios:
  redis-outage     pause the Redis container (heartbeats/DLQ fail over to the spool)
  influx-spike     latency and/or HTTP 503s on the Influx write path (fault proxy)
  broker-restart   restart the MQTT broker container (devices and gateway reconnect)
  gateway-kill     SIGKILL the gateway, restart it with its GATEWAY_ID at the fault's end
                   (acknowledged only once durable: the broker redelivers what it held)

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

Environment: INFLUX_TOKEN or INFLUX_TOKEN_FILE (required; passed to the gateway and the replayer),
MQTT_USERNAME, MQTT_PASSWORD(_FILE), MQTT_TLS_*_FILE (mqtts://), REDIS_USERNAME,
REDIS_PASSWORD(_FILE), REDIS_TLS_*_FILE (rediss://): checked, then passed on to what chaos starts,
ARTIFACTS_DIR (docs/loadtest-runs). Exit codes: 0 recovered with nothing lost,
1 not recovered in time or messages lost (or a service unreachable), 2 bad arguments or a
container that does not exist, 130 interrupted (the fault is lifted first).
`;

const OPTIONS = {
  ...textOptions(
    'devices',
    'mps',
    'qos',
    'model',
    'fault-at',
    'fault-seconds',
    'duration',
    'latency-ms',
    'error-rate',
    'mttr-bound',
    'run-id',
    'redis-url',
    'sim-redis-url',
    'mqtt-url',
    'influx-url',
    'redis-container',
    'broker-container',
    'gateway-subscription',
  ),
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type NumberRange = { min: number; max: number; integer?: boolean };
const number = (name: string, range: NumberRange) =>
  numberOption(
    range,
    (raw) =>
      `${name} must be ${range.integer ? 'an integer' : 'a number'} in ${range.min}..${range.max}, got "${raw}"`,
  );
const url = (name: string, protocol: RegExp) =>
  urlOption(protocol, {
    notUrl: (raw) => `${name} is not a URL: "${raw}"`,
    scheme: (raw) => `${name} has the wrong scheme: "${raw}"`,
  });

/** The options' rules, in the order they are reported; defaults that depend on others come later. */
const chaosOptionsSchema = z.object({
  'fault-at': number('--fault-at', { min: 1, max: 3600, integer: true }).default(10),
  'fault-seconds': number('--fault-seconds', { min: 1, max: 3600, integer: true }).default(10),
  duration: number('--duration', { min: 2, max: 86_400, integer: true }).optional(),
  'error-rate': number('--error-rate', { min: 0, max: 1 }).default(0),
  'latency-ms': number('--latency-ms', { min: 0, max: 600_000, integer: true }).optional(),
  qos: number('--qos', { min: 0, max: 2, integer: true }).default(1),
  model: choiceOption(
    ['mqttjs', 'lean'],
    (raw) => `--model must be mqttjs or lean, got "${raw}"`,
  ).default('mqttjs'),
  'gateway-subscription': choiceOption(
    ['shared', 'exclusive'],
    (raw) => `--gateway-subscription must be shared or exclusive, got "${raw}"`,
  ).default('shared'),
  'run-id': z
    .string()
    .regex(RUN_ID_PATTERN, {
      error: (issue) => `--run-id must be ${RUN_ID_RULE}, got "${String(issue.input)}"`,
    })
    .optional(),
  'redis-url': url('--redis-url', /^rediss?:$/),
  devices: number('--devices', { min: 1, max: 20_000, integer: true }).default(300),
  mps: number('--mps', { min: 0.01, max: 100 }).default(1),
  'mttr-bound': number('--mttr-bound', { min: 1, max: 3600 }).default(10),
  'sim-redis-url': url('--sim-redis-url', /^rediss?:$/),
  // Then the check every broker URL gets (a port in 1..65535, no path): the gateway and the
  // agents this starts refuse any other.
  'mqtt-url': url('--mqtt-url', /^(mqtt|tcp):$/).superRefine((raw, ctx) => {
    const problem = URL.canParse(raw) ? brokerUrlProblem(raw, { credentials: false }) : undefined;
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: `--mqtt-url ${problem}` });
    }
  }),
  'influx-url': url('--influx-url', /^http:$/),
  'redis-container': z.string().default('sousvide-redis'),
  'broker-container': z.string().default('sousvide-mosquitto'),
  json: z.boolean().default(false),
});

export function parseChaosArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  now = new Date(),
): ParsedChaos {
  const { values: v, positionals } = readCommandLine(argv, OPTIONS);
  if (v.help) {
    return { command: 'help' };
  }
  const scenario = positionals[0];
  if (positionals.length !== 1 || !SCENARIOS.includes(scenario as Scenario)) {
    throw new UsageError(
      `unknown scenario ${positionals.length ? `"${positionals.join(' ')}"` : '(none)'}; expected one of ${SCENARIOS.join(', ')}`,
    );
  }
  // The gateway and the replayer chaos starts inherit its environment, Influx token included:
  // without one they would refuse to boot mid-run, so say it before anything starts.
  if (!env['INFLUX_TOKEN']?.trim() && !env['INFLUX_TOKEN_FILE']) {
    throw new UsageError(
      'INFLUX_TOKEN or INFLUX_TOKEN_FILE is required: the gateway and the replayer it starts write to Influx with it (secrets have no default)',
    );
  }
  // The environment stands in for a URL option not given; it is checked like the option.
  const redisUrl = v['redis-url'] ?? env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const o = validateOptions(chaosOptionsSchema, {
    ...v,
    'redis-url': redisUrl,
    'sim-redis-url': v['sim-redis-url'] ?? env['SIM_REDIS_URL'] ?? redisUrl,
    'mqtt-url': v['mqtt-url'] ?? env['MQTT_URL'] ?? 'mqtt://127.0.0.1:1883',
    'influx-url': v['influx-url'] ?? env['INFLUX_URL'] ?? 'http://127.0.0.1:8428',
  });
  checkServiceAccess(env, o['mqtt-url'], o['redis-url'], o['sim-redis-url'], o['influx-url']);
  const faultAt = o['fault-at'];
  const faultSeconds = o['fault-seconds'];
  const durationSec = o.duration ?? faultAt + faultSeconds + 20;
  if (durationSec <= faultAt + faultSeconds) {
    throw new UsageError(
      `the fault (--fault-at ${faultAt} + --fault-seconds ${faultSeconds} = ${faultAt + faultSeconds} s) must end before the load does (--duration ${durationSec}); leave time to recover`,
    );
  }
  const errorRate = o['error-rate'];
  const latencyMs = o['latency-ms'] ?? (errorRate > 0 ? 0 : 500);
  if (scenario === 'influx-spike' && latencyMs === 0 && errorRate === 0) {
    throw new UsageError('influx-spike needs --latency-ms > 0 or --error-rate > 0');
  }
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return {
    command: 'run',
    options: {
      scenario: scenario as Scenario,
      devices: o.devices,
      mps: o.mps,
      qos: o.qos as 0 | 1 | 2,
      model: o.model,
      faultAt,
      faultSeconds,
      durationSec,
      latencyMs,
      errorRate,
      mttrBoundSec: o['mttr-bound'],
      runId: o['run-id'] ?? `chaos-${scenario}-${stamp}`,
      redisUrl: o['redis-url'],
      simRedisUrl: o['sim-redis-url'],
      mqttUrl: o['mqtt-url'],
      influxUrl: o['influx-url'],
      redisContainer: o['redis-container'],
      brokerContainer: o['broker-container'],
      gatewaySubscription: o['gateway-subscription'],
      artifactsDir: env['ARTIFACTS_DIR'] ?? 'docs/loadtest-runs',
      json: o.json,
    },
  };
}

/**
 * The gateway, coordinator and replayer chaos starts inherit its environment, credentials and TLS
 * files included (ADR 0033): a problem with them (a user without a password, an unreadable file,
 * TLS files next to a plain URL) is said now, naming the variable, not mid-run in a child's log.
 * Influx stays http:// (the options schema): chaos's fault proxy in front of it is plain TCP.
 */
function checkServiceAccess(
  env: NodeJS.ProcessEnv,
  mqttUrl: string,
  redisUrl: string,
  simRedisUrl: string,
  influxUrl: string,
): void {
  const checks: [ServiceClient, string][] = [
    [MQTT_CLIENT, mqttUrl],
    [REDIS_CLIENT, redisUrl],
    [REDIS_CLIENT, simRedisUrl],
    [INFLUX_CLIENT, influxUrl],
  ];
  for (const [client, url] of checks) {
    try {
      serviceAccessFromEnv(env, client, url);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
}

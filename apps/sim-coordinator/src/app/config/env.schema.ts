import { z } from 'zod';
import {
  backoffMsEnv,
  RECONNECT_BACKOFF_DEFAULTS,
  RUN_SPEC_LIMITS,
} from '@sousvide/loadtest-contracts';
import {
  FLEET_SECRET_MIN_LENGTH,
  optionalSecretEnvShape,
  tlsClientOptionsFromEnv,
  tlsEnvShape,
  withSecretFiles,
} from '@sousvide/security';
import {
  brokerUrlSchema,
  envNumber,
  parseDecimal,
  parseEnvConfig,
  redisUrl,
  redisUrlSchema,
} from '@sousvide/shared-util';
import { parseCpuComponents } from '../cpu-budget/cpu-components';
import type { BrokerProbeLogin } from '../run/broker-sys.probe';

/** Where runs' artifacts go, and where `report`, `table` and `diff` read them. */
const artifactsDirSchema = z.string().min(1).default('docs/loadtest-runs');

/** The coordinator's settings (its secrets are added below). */
const settingsSchema = z.object({
  REDIS_URL: redisUrlSchema(),
  /**
   * The backend's Redis, where gateways keep the per-run counters and the DLQ, when it is not the
   * simulator's own (REDIS_URL: BullMQ, barrier). Empty: the same Redis.
   */
  INGEST_REDIS_URL: z.union([z.literal(''), redisUrl()]).default(''),
  /**
   * Broker the agents connect to (the runbook's target): a run's broker when it names none.
   * Checked at boot as every broker URL is; blank is unset. User info passes here (a shell may
   * share MQTT_URL with a gateway that logs in through it, and give each run --broker-url): a
   * run that falls back to it refuses it then, as it refuses user info in any broker URL.
   */
  MQTT_URL: z.preprocess(
    (raw) => (typeof raw === 'string' && raw.trim() === '' ? undefined : raw),
    brokerUrlSchema({ credentials: true }).default('mqtt://127.0.0.1:1883'),
  ),
  OPS_PORT: envNumber(z.number().int().min(1).max(65535).default(3000)),
  /**
   * Address `serve` binds: loopback unless told otherwise (a container sets 0.0.0.0 so its
   * published port reaches it; the token guards the API either way, ADR 0029).
   */
  OPS_HOST: z
    .union([z.ipv4(), z.ipv6()], {
      error: 'OPS_HOST must be an IP address, e.g. 127.0.0.1 or 0.0.0.0',
    })
    .default('127.0.0.1'),
  /**
   * Runs `serve` carries at once; a POST /runs beyond it is refused with 429. 1: concurrent runs
   * share the broker, the gateways and the generator host, so each would measure the other.
   */
  MAX_CONCURRENT_RUNS: envNumber(z.number().int().min(1).max(100).default(1)),
  ARTIFACTS_DIR: artifactsDirSchema,
  /**
   * Where `loadtest run` gets its agents when --agents is not given: `local` starts agent
   * processes (LOADTEST_AGENT_PROCESSES) from AGENT_ENTRY; `external` uses agents already consuming the queue (e.g. the
   * compose file's sim-agent containers, where the coordinator's image has no agent entry).
   */
  LOADTEST_AGENTS: z.enum(['local', 'external']).default('local'),
  /**
   * Local agent processes per attempt: `auto` (as few as the publish rate needs, at most one per
   * core, more only when the file limit needs them; ADR 0044, 0055) or a number, at most one per
   * partition (RUN_SPEC_LIMITS: the partitions' cap).
   */
  LOADTEST_AGENT_PROCESSES: z
    .string()
    .default('auto')
    .transform((raw, ctx): 'auto' | number => {
      const n = parseDecimal(raw, true);
      const most = RUN_SPEC_LIMITS.partitions.max;
      if (raw.trim() === 'auto' || raw.trim() === '') {
        return 'auto';
      }
      if (n !== undefined && n >= 1 && n <= most) {
        return n;
      }
      ctx.addIssue({
        code: 'custom',
        message: `LOADTEST_AGENT_PROCESSES must be auto or a whole number from 1 to ${most} (got "${raw}")`,
      });
      return z.NEVER;
    }),
  /** Built agent entry point that local mode starts with plain `node`. */
  AGENT_ENTRY: z.string().min(1).default('dist/apps/sim-agent/main.js'),
  CONNECT_TIMEOUT_MS: envNumber(z.number().int().min(100).default(10_000)),
  PUBLISH_TIMEOUT_MS: envNumber(z.number().int().min(100).default(10_000)),
  KEEPALIVE_SEC: envNumber(z.number().int().min(1).max(65535).default(60)),
  /** Devices' reconnect backoff after a lost connection: full jitter, doubling base to cap. */
  RECONNECT_BASE_MS: backoffMsEnv('baseMs', RECONNECT_BACKOFF_DEFAULTS.baseMs),
  RECONNECT_CAP_MS: backoffMsEnv('capMs', RECONNECT_BACKOFF_DEFAULTS.capMs),
  /**
   * After the publish window, the longest the summary waits for the backlog (it stops earlier
   * once everything arrived or nothing new arrived for DRAIN_STALL_SEC; ADR 0017).
   */
  DRAIN_WINDOW_SEC: envNumber(z.number().int().min(0).max(3600).default(120)),
  DRAIN_STALL_SEC: envNumber(z.number().int().min(1).max(600).default(10)),
  /**
   * A partition no agent has taken this long after dispatch fails the attempt (agents busy, too
   * few, or not running): a fleet whose agents scale up on demand may need longer.
   */
  PICKUP_TIMEOUT_SEC: envNumber(z.number().int().min(1).max(3600).default(30)),
  /**
   * How long to wait for the broker's next `$SYS` update when measuring its queue at the cut-off
   * (Mosquitto's sys_interval is 10 s by default, and an unchanged figure may take two); 0: do not ask.
   */
  BROKER_SYS_TIMEOUT_SEC: envNumber(z.number().min(0).max(120).default(25)),
  /**
   * Components whose CPU each attempt records over its publish window (cpu-budget.json), besides
   * the local agents: `broker=container:sousvide-mosquitto,gateway=pid:4242,redis=cmd:redis-server`.
   */
  CPU_BUDGET: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      try {
        parseCpuComponents(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  /**
   * 1 (default): a run that misses an SLO or loses messages fails the gate (exit 3). 0: the env
   * twin of --no-gate: the checks are still reported, only the generator (and
   * REQUIRE_BUSINESS_SUMMARY) decide; for tests of counts on a shared machine, where a latency SLO
   * would make them timed assertions.
   */
  JUDGE_SLO: z
    .enum(['0', '1'], { error: 'JUDGE_SLO must be 0 or 1' })
    .default('1')
    .transform((v) => v === '1'),
  /** A command whose output is the backend's log for an attempt (e.g. `tail -n0 -F gw.log`). */
  BACKEND_LOG_CMD: z.string().optional(),
  /** Runbook variables; the CLI's named options take precedence. */
  SIM_TASK: z.string().optional(),
  RUN_ID: z.string().optional(),
  MAX_ATTEMPTS: z.string().optional(),
  MIN_PARALLELISM: z.string().optional(),
  MAX_PARTITIONS: z.string().optional(),
  PART_TIMEOUT_SECONDS: z.string().optional(),
  REQUIRE_BUSINESS_SUMMARY: z.string().optional(),
  /** SLO targets (the --slo-* flags take precedence; checked with them, see SLO_TARGET_OPTIONS). */
  SLO_SUCCESS_PCT: z.string().optional(),
  SLO_PARSE_FAIL_PCT: z.string().optional(),
  SLO_INFLUX_FAIL_PCT: z.string().optional(),
  SLO_REDIS_FAIL_PCT: z.string().optional(),
  SLO_P95_MS: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('warn'),
});

/** The coordinator's secrets: each may come from `<NAME>_FILE`. */
export const COORDINATOR_SECRETS = ['FLEET_SECRET', 'MQTT_MONITOR_PASSWORD'] as const;

/**
 * The coordinator's environment, validated when a command first needs it (commands that only read
 * artifacts take ARTIFACTS_DIR alone, loadArtifactsDir); nothing else reads process.env.
 */
export const coordinatorEnvSchema = withSecretFiles(
  COORDINATOR_SECRETS,
  settingsSchema
    .extend({
      /**
       * The provisioner's fleet.json: the preflight refuses a run whose devices are not provisioned
       * or whose fleet secret is not the provisioned one. Unset or empty: identities are not checked.
       */
      FLEET_MANIFEST_FILE: z.string().optional(),
      /**
       * The devices' fleet secret (or FLEET_SECRET_FILE, preferred: local agents then inherit the
       * path, not the value). Local agents inherit it from this environment and log every device in
       * as itself; the preflight compares its fingerprint with FLEET_MANIFEST_FILE's. No default.
       */
      ...optionalSecretEnvShape(COORDINATOR_SECRETS, {
        FLEET_SECRET: { minLength: FLEET_SECRET_MIN_LENGTH },
      }),
      /**
       * The broker identity of the `$SYS` probe (in-flight accounting, ADR 0027): the provisioner's
       * monitor (fleet.json `monitor.username`), with MQTT_MONITOR_PASSWORD or, preferred,
       * MQTT_MONITOR_PASSWORD_FILE (`<out>/monitor-password`). Unset: the probe connects
       * anonymously, which an authenticated broker refuses ("broker queue not measured").
       */
      MQTT_MONITOR_USERNAME: z
        .string()
        .optional()
        .transform((v) => (v === '' ? undefined : v)),
      /** TLS files for an mqtts:// MQTT_URL (MQTT_TLS_CA_FILE, ...), inherited by local agents. */
      ...tlsEnvShape('MQTT'),
    })
    .superRefine((e, ctx) => {
      if (e.MQTT_MONITOR_PASSWORD !== undefined && e.MQTT_MONITOR_USERNAME === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['MQTT_MONITOR_PASSWORD'],
          message:
            'needs MQTT_MONITOR_USERNAME (an MQTT CONNECT carries no password without a user name)',
        });
      }
      if (e.MQTT_MONITOR_USERNAME !== undefined && e.MQTT_MONITOR_PASSWORD === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['MQTT_MONITOR_USERNAME'],
          message:
            "needs MQTT_MONITOR_PASSWORD or MQTT_MONITOR_PASSWORD_FILE (the provisioner's <out>/monitor-password)",
        });
      }
    }),
);

export type CoordinatorEnv = z.infer<typeof coordinatorEnvSchema>;

/**
 * How the `$SYS` probe logs in: the monitor identity, and the agents' TLS files (read when the
 * probe runs, so a bad file becomes the probe's "not measured" reason, not a failed boot).
 */
export function brokerProbeLogin(env: CoordinatorEnv): BrokerProbeLogin {
  return {
    username: env.MQTT_MONITOR_USERNAME,
    password: env.MQTT_MONITOR_PASSWORD,
    tls: tlsClientOptionsFromEnv(env, 'MQTT'),
  };
}

export function loadCoordinatorEnv(env: NodeJS.ProcessEnv = process.env): CoordinatorEnv {
  return parseEnvConfig(coordinatorEnvSchema, env, 'sim-coordinator');
}

/**
 * ARTIFACTS_DIR alone: what the commands that only read artifacts (`report`, `table`, `diff`)
 * need, so a bad setting of a service they never reach (REDIS_URL, MQTT_URL) does not stop them.
 */
export function loadArtifactsDir(env: NodeJS.ProcessEnv = process.env): string {
  return parseEnvConfig(z.object({ ARTIFACTS_DIR: artifactsDirSchema }), env, 'sim-coordinator')
    .ARTIFACTS_DIR;
}

export const COORDINATOR_ENV = Symbol('COORDINATOR_ENV');
export const COORDINATOR_REDIS = Symbol('COORDINATOR_REDIS');
/** The Redis holding the gateways' counters and DLQ (INGEST_REDIS_URL, else REDIS_URL). */
export const INGEST_REDIS = Symbol('INGEST_REDIS');

import { z } from 'zod';
import {
  RUN_SPEC_LIMITS as L,
  type RunSpec,
  type RunSpecError,
  RunSpecInput,
} from '@sousvide/loadtest-contracts';
import {
  choiceOption,
  readCommandLine,
  textOptions,
  UsageError,
  validateOptions,
} from '@sousvide/shared-util';
import { CoordinatorEnv } from '../config/env.schema';
import { ArtifactsCommandName, parseArtifactsCommand } from '../report/report-args';
import { CapacityPlan } from '../methods/capacity';
import { DiffTolerances } from '../methods/diff';
import { METHOD_HELP } from './method-help';
import {
  METHOD_OPTIONS,
  parseCapacityPlan,
  parseDiffArgs,
  refuseForeignOptions,
} from './method-args';
import type { DrainOptions } from '../run/business-summary.collector';
import type { GateSettings } from '../run/attempt-verdict';
import { GATE_HELP, GATE_OPTIONS, gateFromCli } from './gate-options';

/** A limit as the help writes it: `min..max`. */
const range = (limit: { min: number; max: number }): string => `${limit.min}..${limit.max}`;

/** A required option's help line, its range read from RUN_SPEC_LIMITS (the validator's own). */
function required(
  flag: string,
  what: string,
  limit: { min: number; max: number },
  more = '',
): string {
  return `  ${flag.padEnd(24)}${`${what}, ${range(limit)}${more}`.padEnd(50)}(required)`;
}

export const HELP = `Usage: sim-coordinator loadtest run [options]
       sim-coordinator loadtest crosscheck|capacity [options]   (see their --help)
       sim-coordinator loadtest diff <run-id> <run-id> [options]
       sim-coordinator loadtest report <run-id>...   (re)write each attempt's report.html
       sim-coordinator loadtest table <run-id>...    the runs' Markdown table (docs/benchmarks.md)
       sim-coordinator serve

Run a distributed MQTT load test: split the connections into partitions, dispatch them to agents
over BullMQ (loadtest-partitions), barrier-start them, retry failed attempts, write artifacts to
<ARTIFACTS_DIR>/<run-id>/attempt-<n>/.

Options (the runbook's environment variables are the fallbacks):
${required('--connections N', 'total connections (devices)', L.totalConnections)}
${required('--partitions N', 'partitions (agent jobs)', L.partitions, ', <= connections')}
${required('--parallelism N', 'connects in flight per partition', L.connectParallelism)}
${required('--mps X', 'messages per second per connection', L.mps)}
${required('--duration N', 'publish duration in seconds', L.durationSec)}
  --qos 0|1|2             publish QoS                                       (required)
  --model NAME            mqttjs | lean | mqttLoadTest | mqttLoadTestHive   [SIM_TASK, mqttjs]
  --run-id ID             run id                                 [RUN_ID, YYYYMMDD-HHMMSS UTC]
  --max-attempts N        attempts before giving up                         [MAX_ATTEMPTS, 4]
  --min-parallelism N     parallelism floor when a retry lowers it         [MIN_PARALLELISM, 40]
  --max-partitions N      partition cap when a retry raises them            [MAX_PARTITIONS, 6]
  --part-timeout N        per-partition timeout, seconds       [PART_TIMEOUT_SECONDS, duration+120]
  --require-business-summary 0|1                           [REQUIRE_BUSINESS_SUMMARY, 0]
  --broker-url URL        broker the agents load                   [MQTT_URL, mqtt://127.0.0.1:1883]
  --loop open|closed      open: fixed input rate; closed: a device publishes only while fewer
                          than --window of its messages await their ack (QoS 1/2 only)  [open]
  --window N              closed loop: publishes in flight per device, ${range(L.window).padEnd(18)}[1]
  --agents local|external start local agent processes (LOADTEST_AGENT_PROCESSES: auto, one per
                          core, or a number up to one per partition), or use agents already
                          running anywhere against the same Redis         [LOADTEST_AGENTS, local]
  --json                  print the run's outcome as JSON on stdout
  -h, --help              this text

${GATE_HELP}

Environment: REDIS_URL, INGEST_REDIS_URL (the gateways' counters and DLQ, when not REDIS_URL),
MQTT_URL, ARTIFACTS_DIR, AGENT_ENTRY, LOADTEST_AGENTS, LOADTEST_AGENT_PROCESSES,
CONNECT_TIMEOUT_MS, PUBLISH_TIMEOUT_MS, KEEPALIVE_SEC, RECONNECT_BASE_MS, RECONNECT_CAP_MS,
BROKER_SYS_TIMEOUT_SEC, PICKUP_TIMEOUT_SEC (how long a partition may wait for an agent, 30 s).
Device identities (secure broker): FLEET_SECRET or FLEET_SECRET_FILE (each device logs in as
itself; local agents inherit it), FLEET_MANIFEST_FILE (the provisioner's fleet.json: the preflight
refuses unprovisioned devices and another fleet's secret), MQTT_TLS_CA_FILE, MQTT_TLS_CERT_FILE,
MQTT_TLS_KEY_FILE (mqtts://), MQTT_MONITOR_USERNAME and MQTT_MONITOR_PASSWORD or
MQTT_MONITOR_PASSWORD_FILE (the provisioner's monitor identity: the broker $SYS probe's login).
serve: COORDINATOR_API_TOKEN or COORDINATOR_API_TOKEN_FILE (required: the API's bearer token, at
least 32 characters), OPS_HOST [127.0.0.1], OPS_PORT [3000], MAX_CONCURRENT_RUNS [1].
Exit codes: 0 passed; 1 an attempt failed (or a service unreachable); 2 bad arguments or a
refused preflight, nothing started; 3 the run completed but an SLO or the loss accounting
failed; 130 interrupted.`;

export interface CliCommand {
  command: 'run' | 'serve' | 'help' | 'crosscheck' | 'capacity' | 'diff' | ArtifactsCommandName;
  spec: RunSpecInput;
  localAgents: boolean;
  json: boolean;
  /** `help`: the text to print. */
  help?: string;
  /** The run ids of `report` and `table`. */
  runIds?: string[];
  /** `capacity`: how the load grows (its start is the spec's). */
  plan?: Omit<CapacityPlan, 'start'>;
  /** `diff`: the two runs, A then B, and how much worse B may be. */
  diff?: { runs: [string, string]; tolerances: DiffTolerances; force: boolean };
  /** `run`, `crosscheck`, `capacity`: the verdict's SLO targets and the drain after publishing. */
  gate?: GateSettings;
  drain?: Omit<DrainOptions, 'signal'>;
}

const RUN_COMMANDS = ['run', 'crosscheck', 'capacity'] as const;

interface SpecSource {
  flag: string;
  /** The runbook's variable the field falls back to without its flag. */
  variable?: keyof CoordinatorEnv;
}

/**
 * Where each run spec field comes from: its flag, else its variable. Also how a refused field is
 * named to the user, who typed `--connections`, not `totalConnections`.
 */
const SPEC_SOURCES = {
  totalConnections: { flag: 'connections' },
  partitions: { flag: 'partitions' },
  connectParallelism: { flag: 'parallelism' },
  mps: { flag: 'mps' },
  durationSec: { flag: 'duration' },
  qos: { flag: 'qos' },
  model: { flag: 'model', variable: 'SIM_TASK' },
  runId: { flag: 'run-id', variable: 'RUN_ID' },
  maxAttempts: { flag: 'max-attempts', variable: 'MAX_ATTEMPTS' },
  minParallelism: { flag: 'min-parallelism', variable: 'MIN_PARALLELISM' },
  maxPartitions: { flag: 'max-partitions', variable: 'MAX_PARTITIONS' },
  partTimeoutSec: { flag: 'part-timeout', variable: 'PART_TIMEOUT_SECONDS' },
  requireBusinessSummary: {
    flag: 'require-business-summary',
    variable: 'REQUIRE_BUSINESS_SUMMARY',
  },
  brokerUrl: { flag: 'broker-url', variable: 'MQTT_URL' },
  loop: { flag: 'loop' },
  window: { flag: 'window' },
} as const satisfies Record<keyof RunSpec, SpecSource>;

type SpecFlag = (typeof SPEC_SOURCES)[keyof RunSpec]['flag'];
const SPEC_FIELDS = Object.keys(SPEC_SOURCES) as (keyof RunSpec)[];

const OPTIONS = {
  ...textOptions(...SPEC_FIELDS.map((f): SpecFlag => SPEC_SOURCES[f].flag), 'agents'),
  ...METHOD_OPTIONS,
  ...GATE_OPTIONS,
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const RUN_OPTIONS = Object.keys(OPTIONS).filter((k) => !(k in METHOD_OPTIONS));

/**
 * What the CLI itself checks; the run spec's values go on as text to parseRunSpec, whose messages
 * name each argument and its range (the same rules as the HTTP API).
 */
const cliOptionsSchema = z.object({
  agents: choiceOption(
    ['local', 'external'],
    (raw) => `--agents must be local or external (got "${raw}")`,
  ).optional(),
});

/**
 * `envOf` gives the coordinator's settings; only the commands that run load ask for them, so
 * `help`, `report`, `table` and `diff` work whatever REDIS_URL or MQTT_URL say.
 */
export function parseCli(argv: string[], envOf: () => CoordinatorEnv): CliCommand {
  const { values: v, positionals } = readCommandLine(argv, OPTIONS);
  const words = positionals[0] === 'loadtest' ? positionals.slice(1) : positionals;
  const name = words[0] ?? '';
  const isMethod = name === 'crosscheck' || name === 'capacity' || name === 'diff';
  if (v.help || positionals.join(' ') === 'help' || words.length === 0) {
    const help = isMethod ? METHOD_HELP[name] : HELP;
    return { command: 'help', spec: {}, localAgents: true, json: false, help };
  }
  if (positionals.join(' ') === 'serve') {
    return { command: 'serve', spec: {}, localAgents: false, json: false };
  }
  const artifacts = parseArtifactsCommand(positionals);
  if (artifacts) {
    return { ...artifacts, spec: {}, localAgents: false, json: v.json };
  }
  if (name === 'diff') {
    refuseForeignOptions(name, v, RUN_OPTIONS);
    const parsed = parseDiffArgs(words.slice(1), v);
    return {
      command: 'diff',
      spec: {},
      localAgents: false,
      json: v.json,
      diff: { ...parsed, force: v.force },
    };
  }
  const command = RUN_COMMANDS.find((c) => c === name);
  if (!command || words.length !== 1) {
    throw new UsageError(
      `unknown command "${positionals.join(' ')}": expected "loadtest run", "loadtest crosscheck", "loadtest capacity", "loadtest diff", "loadtest report", "loadtest table" or "serve"`,
    );
  }
  refuseForeignOptions(command, v, RUN_OPTIONS);
  if (command === 'crosscheck' && v.model !== undefined) {
    throw new UsageError('--model does not apply to loadtest crosscheck: it runs both models');
  }
  const env = envOf();
  const { agents = env.LOADTEST_AGENTS } = validateOptions(cliOptionsSchema, v);
  return {
    command,
    localAgents: agents === 'local',
    json: v.json,
    ...(command === 'capacity' ? { plan: parseCapacityPlan(v) } : {}),
    ...gateFromCli(v, env),
    spec: Object.fromEntries(
      SPEC_FIELDS.map((field) => {
        const { flag, variable }: SpecSource = SPEC_SOURCES[field];
        return [field, v[flag as SpecFlag] ?? (variable === undefined ? undefined : env[variable])];
      }),
    ),
  };
}

/** A refused run spec's problems, each led by the flag (and variable) its value came from. */
export function runSpecProblemLines(err: RunSpecError): string[] {
  return err.problems.map((p) => {
    const { flag, variable }: SpecSource = SPEC_SOURCES[p.field];
    return `--${flag}${variable === undefined ? '' : ` (${variable})`}: ${p.message}`;
  });
}

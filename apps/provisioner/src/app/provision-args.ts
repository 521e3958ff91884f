import { join, resolve } from 'node:path';
import { z } from 'zod';
import {
  BROKER_AUTH_FORMATS,
  DEFAULT_MONITOR_USER,
  DEVICE_PBKDF2_ITERATIONS,
  FleetProvisionOptions,
  MOSQUITTO_PBKDF2_ITERATIONS,
} from '@sousvide/security';
import { DEVICE_ID_MAX_LENGTH } from '@sousvide/telemetry-schema';
import { numberOption, readCommandLine, UsageError, validateOptions } from '@sousvide/shared-util';

/** One provisioning run, validated. */
export interface ProvisionOptions extends FleetProvisionOptions {
  monitorUser: string;
  monitorPasswordFile: string;
  json: boolean;
}

export type ParsedProvision = { command: 'help' } | { command: 'run'; options: ProvisionOptions };

export const PROVISION_USAGE = `Usage: provisioner --devices N [options]

Writes the broker identities for devices <prefix>000000 .., one gateway identity and the
coordinator's $SYS probe identity (monitor), and what the simulator, the gateway and the
coordinator need to authenticate, without storing any device password:
each device's password is derived from the fleet secret (docs/adr/0014).

Options:
  --devices N                  devices to provision, 1..1000000                  (required)
  --out DIR                    output directory                          [.secrets/broker]
  --format dynsec|passwd       dynsec: Mosquitto's dynamic security plugin, one role per device
                               (refuses foreign subscriptions incl. $share, binds client ids);
                               passwd: a $7$ password file with acl_file patterns (cannot refuse
                               a device's $share subscription, see docs/security.md) [dynsec]
  --prefix P                   device id prefix: letters, digits, . _ -          [sv-]
  --gateway-user NAME          the ingest gateway's username                [ingest-gateway]
  --monitor-user NAME          the coordinator's $SYS probe username       [sim-coordinator]
  --fleet-secret-file F        fleet secret (agents); made when missing  [<out>/fleet-secret]
  --gateway-password-file F    gateway password; made when missing  [<out>/gateway-password]
  --monitor-password-file F    monitor password; made when missing  [<out>/monitor-password]
  --rotate                     replace the three secrets by new random ones
  --iterations N               PBKDF2-SHA512 rounds of the gateway's and the monitor's
                               hashes (their passwords may be given), 1..100000        [101]
  --device-iterations N        PBKDF2-SHA512 rounds of the device hashes, 1..100000:
                               derived 256-bit passwords; the broker pays the
                               rounds on every CONNECT (docs/adr/0059)                   [1]
  --json                       print the manifest and timings as JSON
  -h, --help                   this text

Writes <out>/fleet.json (no secrets), the three secret files (0600) and <out>/mosquitto/, the
directory the broker mounts at /mosquitto/auth (docker/mosquitto/secure.conf).
Exit codes: 0 written, 1 failed (e.g. unreadable secret file), 2 bad arguments.
`;

const OPTIONS = {
  devices: { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
  prefix: { type: 'string' },
  'gateway-user': { type: 'string' },
  'fleet-secret-file': { type: 'string' },
  'gateway-password-file': { type: 'string' },
  'monitor-user': { type: 'string' },
  'monitor-password-file': { type: 'string' },
  rotate: { type: 'boolean' },
  iterations: { type: 'string' },
  'device-iterations': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const wholeNumber = (flag: string, min: number, max: number) =>
  numberOption(
    { min, max, integer: true },
    (raw) => `${flag} must be a whole number in ${min}..${max} (got "${raw}")`,
  );

// Device ids are the prefix and 6 digits (deviceIdOf).
const PREFIX_MAX_LENGTH = DEVICE_ID_MAX_LENGTH - 6;

// A name that becomes an MQTT topic level and a dynsec/password-file username: no wildcards,
// separators or blanks (Mosquitto denies ACL patterns to names with + or #).
const NAME = /^[A-Za-z0-9._-]+$/;

const schema = z
  .object({
    devices: wholeNumber('--devices', 1, 1_000_000),
    out: z.string().min(1, '--out must name a directory').default('.secrets/broker'),
    format: z.enum(BROKER_AUTH_FORMATS, '--format must be dynsec or passwd').default('dynsec'),
    prefix: z
      .string()
      .regex(NAME, '--prefix may hold letters, digits, . _ -')
      .max(
        PREFIX_MAX_LENGTH,
        `--prefix may be at most ${PREFIX_MAX_LENGTH} characters: a device id, the prefix and 6 digits, is at most ${DEVICE_ID_MAX_LENGTH}`,
      )
      .default('sv-'),
    gatewayUser: z
      .string()
      .regex(NAME, '--gateway-user may hold letters, digits, . _ -')
      .default('ingest-gateway'),
    monitorUser: z
      .string()
      .regex(NAME, '--monitor-user may hold letters, digits, . _ -')
      .default(DEFAULT_MONITOR_USER),
    fleetSecretFile: z.string().min(1, '--fleet-secret-file must name a file').optional(),
    gatewayPasswordFile: z.string().min(1, '--gateway-password-file must name a file').optional(),
    monitorPasswordFile: z.string().min(1, '--monitor-password-file must name a file').optional(),
    rotate: z.boolean().default(false),
    iterations: wholeNumber('--iterations', 1, 100_000).default(MOSQUITTO_PBKDF2_ITERATIONS),
    deviceIterations: wholeNumber('--device-iterations', 1, 100_000).default(
      DEVICE_PBKDF2_ITERATIONS,
    ),
    json: z.boolean().default(false),
  })
  .refine((o) => !looksLikeDevice(o.gatewayUser, o.prefix), {
    message: '--gateway-user must not look like a device id (<prefix><digits>)',
  })
  .refine((o) => !looksLikeDevice(o.monitorUser, o.prefix), {
    message: '--monitor-user must not look like a device id (<prefix><digits>)',
  })
  .refine((o) => o.monitorUser !== o.gatewayUser, {
    message: '--monitor-user must differ from --gateway-user (each has its own grants)',
  })
  .refine((o) => new Set(secretFiles(o).map((f) => resolve(f))).size === 3, {
    message:
      '--fleet-secret-file, --gateway-password-file and --monitor-password-file must be three different files (each secret goes to other hosts)',
  });

/** The three secret files, defaults filled in. */
function secretFiles(o: {
  out: string;
  fleetSecretFile?: string;
  gatewayPasswordFile?: string;
  monitorPasswordFile?: string;
}): [string, string, string] {
  return [
    o.fleetSecretFile ?? join(o.out, 'fleet-secret'),
    o.gatewayPasswordFile ?? join(o.out, 'gateway-password'),
    o.monitorPasswordFile ?? join(o.out, 'monitor-password'),
  ];
}

function looksLikeDevice(name: string, prefix: string): boolean {
  return name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length));
}

/** Reads the command line; a {@link UsageError} (exit 2, nothing written) names what is wrong. */
export function parseProvisionArgs(argv: readonly string[]): ParsedProvision {
  const { values, positionals } = readCommandLine(argv, OPTIONS);
  if (values.help) {
    return { command: 'help' };
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}'`);
  }
  if (values.devices === undefined) {
    throw new UsageError('--devices is required');
  }
  const o = validateOptions(schema, {
    devices: values.devices,
    out: values.out,
    format: values.format,
    prefix: values.prefix,
    gatewayUser: values['gateway-user'],
    fleetSecretFile: values['fleet-secret-file'],
    gatewayPasswordFile: values['gateway-password-file'],
    monitorUser: values['monitor-user'],
    monitorPasswordFile: values['monitor-password-file'],
    rotate: values.rotate,
    iterations: values.iterations,
    deviceIterations: values['device-iterations'],
    json: values.json,
  });
  const [fleetSecretFile, gatewayPasswordFile, monitorPasswordFile] = secretFiles(o);
  return {
    command: 'run',
    options: { ...o, fleetSecretFile, gatewayPasswordFile, monitorPasswordFile },
  };
}

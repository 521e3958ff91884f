import { statSync } from 'node:fs';
import { makeDirSync } from '@sousvide/shared-util';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deviceIdOf } from '@sousvide/loadtest-contracts';
import {
  DEVICE_PASSWORD_SCHEME,
  devicePassword,
  FLEET_SECRET_MIN_LENGTH,
  fleetSecretFingerprint,
} from '../fleet/device-credentials';
import { BrokerAuthFormat, FleetManifest } from '../fleet/fleet-manifest';
import { hashMosquittoPassword } from '../mosquitto/mosquitto-password';
import { HashedIdentity, writeBrokerFiles } from './broker-files';
import { ensureSecret, SecretSource, writeAtomically } from './secret-files';

/** Service passwords are generated at 43 characters; a hand-made one must still be long. */
const SERVICE_PASSWORD_MIN_LENGTH = 24;
/** The coordinator's `$SYS` probe identity unless told otherwise (--monitor-user). */
export const DEFAULT_MONITOR_USER = 'sim-coordinator';
/** Hashes in flight at once: enough to keep libuv's thread pool busy, bounded in memory. */
const HASH_BATCH = 512;

/** What to provision (the provisioner's options; every field is required here). */
export interface FleetProvisionOptions {
  /** Devices `<prefix>000000` .. `<prefix>(devices-1)`, as the simulator names them. */
  devices: number;
  /** Output directory: fleet.json, the secrets, and mosquitto/ for the broker. */
  out: string;
  format: BrokerAuthFormat;
  prefix: string;
  gatewayUser: string;
  /** Kept when present (unless `rotate`), made when missing. */
  fleetSecretFile: string;
  gatewayPasswordFile: string;
  /** The coordinator's `$SYS` probe identity [sim-coordinator]. */
  monitorUser?: string;
  /** Its password, kept when present (unless `rotate`), made when missing [<out>/monitor-password]. */
  monitorPasswordFile?: string;
  rotate: boolean;
  /** PBKDF2 rounds of the service identities (gateway, monitor), whose passwords may be given. */
  iterations: number;
  /** PBKDF2 rounds of the device identities: derived 256-bit passwords (ADR 0059). */
  deviceIterations: number;
}

export interface ProvisionResult {
  manifest: FleetManifest;
  manifestFile: string;
  identitiesFile: string;
  identitiesBytes: number;
  secrets: SecretSource[];
  hashMs: number;
  totalMs: number;
}

/**
 * Provisions `devices` device identities, the gateway's and the coordinator probe's: secrets (kept or made), PBKDF2
 * hashes of every password, the broker's files and the manifest. No device password is written.
 */
export async function provisionFleet(
  o: FleetProvisionOptions,
  now = new Date(),
): Promise<ProvisionResult> {
  const started = performance.now();
  makeDirSync(o.out, 0o700);
  const brokerDir = join(o.out, 'mosquitto');
  makeDirSync(brokerDir, 0o755);
  const fleetSecret = ensureSecret(
    o.fleetSecretFile,
    'fleet secret',
    FLEET_SECRET_MIN_LENGTH,
    o.rotate,
  );
  const gatewayPassword = ensureSecret(
    o.gatewayPasswordFile,
    'gateway password',
    SERVICE_PASSWORD_MIN_LENGTH,
    o.rotate,
  );
  const monitorUser = o.monitorUser ?? DEFAULT_MONITOR_USER;
  const monitorPassword = ensureSecret(
    o.monitorPasswordFile ?? join(o.out, 'monitor-password'),
    'monitor password',
    SERVICE_PASSWORD_MIN_LENGTH,
    o.rotate,
  );
  const ids = Array.from({ length: o.devices }, (_, i) => deviceIdOf(o.prefix, i));

  const hashStarted = performance.now();
  const gateway: HashedIdentity = {
    username: o.gatewayUser,
    hash: await hashMosquittoPassword(gatewayPassword.value, { iterations: o.iterations }),
  };
  const monitor: HashedIdentity = {
    username: monitorUser,
    hash: await hashMosquittoPassword(monitorPassword.value, { iterations: o.iterations }),
  };
  const devices: HashedIdentity[] = [];
  for (let i = 0; i < ids.length; i += HASH_BATCH) {
    const batch = ids.slice(i, i + HASH_BATCH);
    const hashes = await Promise.all(
      batch.map((id) =>
        hashMosquittoPassword(devicePassword(fleetSecret.value, id), {
          iterations: o.deviceIterations,
        }),
      ),
    );
    batch.forEach((username, k) => devices.push({ username, hash: hashes[k] }));
  }
  const hashMs = performance.now() - hashStarted;

  const identitiesFile = writeBrokerFiles(brokerDir, o.format, { gateway, monitor }, devices);
  const manifest: FleetManifest = {
    version: 1,
    createdAt: now.toISOString(),
    format: o.format,
    brokerFile: join('mosquitto', identitiesFile.slice(brokerDir.length + 1)),
    devices: {
      count: o.devices,
      prefix: o.prefix,
      firstId: ids[0],
      lastId: ids[ids.length - 1],
      clientIdBound: o.format === 'dynsec',
    },
    passwordScheme: DEVICE_PASSWORD_SCHEME,
    fleetSecretFingerprint: fleetSecretFingerprint(fleetSecret.value),
    gateway: { username: o.gatewayUser },
    monitor: { username: monitorUser },
    hash: {
      algorithm: 'pbkdf2-sha512',
      iterations: o.iterations,
      deviceIterations: o.deviceIterations,
    },
  };
  const manifestFile = join(o.out, 'fleet.json');
  writeAtomically(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`, 0o644);
  return {
    manifest,
    manifestFile,
    identitiesFile,
    identitiesBytes: statSync(identitiesFile).size,
    secrets: [fleetSecret, gatewayPassword, monitorPassword],
    hashMs,
    totalMs: performance.now() - started,
  };
}

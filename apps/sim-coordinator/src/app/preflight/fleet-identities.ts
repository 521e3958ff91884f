import { readFileSync } from 'node:fs';
import { DEVICE_ID_PREFIX, deviceIdOf } from '@sousvide/loadtest-contracts';
import { fleetManifestSchema, fleetSecretFingerprint } from '@sousvide/security';
import { FleetFacts, PreflightCheck, PreflightPlan } from './preflight.types';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const PROVISION = 'npx nx run provisioner:provision -- --devices N --out DIR';

/**
 * Reads FLEET_MANIFEST_FILE (the provisioner's fleet.json) and fingerprints the fleet secret the
 * agents get; never throws: a manifest that cannot be used is a refusal, reported by the checks.
 */
export function readFleetFacts(manifestFile: string, fleetSecret: string | undefined): FleetFacts {
  const facts: FleetFacts = {
    manifestFile,
    ...(fleetSecret ? { secretFingerprint: fleetSecretFingerprint(fleetSecret) } : {}),
  };
  let text: string;
  try {
    text = readFileSync(manifestFile, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ...facts, error: `cannot read it (${e.code ?? e.message})` };
  }
  let parsed;
  try {
    parsed = fleetManifestSchema.safeParse(JSON.parse(text));
  } catch (err) {
    return { ...facts, error: `not JSON (${(err as Error).message})` };
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ...facts, error: `not a fleet.json: ${issue.path.join('.')}: ${issue.message}` };
  }
  const m = parsed.data;
  const { count, prefix, firstId, lastId } = m.devices;
  return {
    ...facts,
    devices: { count, prefix, firstId, lastId },
    fingerprint: m.fleetSecretFingerprint,
    createdAt: m.createdAt,
  };
}

function manifestCheck(fleet: FleetFacts): PreflightCheck | undefined {
  if (fleet.error === undefined) {
    return undefined;
  }
  return {
    name: 'fleet-manifest',
    status: 'refuse',
    message: `fleet manifest FLEET_MANIFEST_FILE=${fleet.manifestFile}: ${fleet.error}`,
    fix: `point FLEET_MANIFEST_FILE at the fleet.json the provisioner wrote (${PROVISION} writes DIR/fleet.json), or unset it for an anonymous broker`,
  };
}

/** The run's devices sv-000000 .. sv-(N-1) must all be provisioned. */
function devicesCheck(plan: PreflightPlan, fleet: FleetFacts): PreflightCheck | undefined {
  const d = fleet.devices;
  if (d === undefined) {
    return undefined;
  }
  const first = deviceIdOf(DEVICE_ID_PREFIX, 0);
  const last = deviceIdOf(DEVICE_ID_PREFIX, plan.totalConnections - 1);
  const range = `${fmt(plan.totalConnections)} devices ${first}..${last}`;
  const have = `fleet.json has ${fmt(d.count)} (${d.firstId}..${d.lastId})`;
  if (d.prefix !== DEVICE_ID_PREFIX) {
    return {
      name: 'fleet-devices',
      status: 'refuse',
      message: `device identities: this run's ${range} are not provisioned: ${have}, prefix "${d.prefix}"`,
      fix: `provision the simulator's ids: ${PROVISION} --prefix ${DEVICE_ID_PREFIX}, then restart the broker`,
    };
  }
  const ok = plan.totalConnections <= d.count;
  return {
    name: 'fleet-devices',
    status: ok ? 'ok' : 'refuse',
    need: plan.totalConnections,
    limit: d.count,
    message: `device identities: this run's ${range} ${ok ? 'are provisioned' : 'are not all provisioned'}: ${have}`,
    ...(ok
      ? {}
      : {
          fix: `provision more (the secret is kept): ${PROVISION.replace('N', String(plan.totalConnections))}, then restart the broker; or run at most ${fmt(d.count)} connections`,
        }),
  };
}

/** The agents' fleet secret must be the one the broker was provisioned with. */
function secretCheck(plan: PreflightPlan, fleet: FleetFacts): PreflightCheck | undefined {
  if (fleet.fingerprint === undefined) {
    return undefined;
  }
  const mine = fleet.secretFingerprint;
  if (mine === undefined) {
    return plan.localAgents
      ? {
          name: 'fleet-secret',
          status: 'refuse',
          message:
            'fleet secret: FLEET_MANIFEST_FILE is set but neither FLEET_SECRET nor FLEET_SECRET_FILE: the agents would connect anonymously and the broker would refuse every device',
          fix: `set FLEET_SECRET_FILE to the fleet-secret file next to ${fleet.manifestFile}`,
        }
      : {
          name: 'fleet-secret',
          status: 'unknown',
          message:
            'fleet secret: agents run elsewhere and this coordinator has no FLEET_SECRET(_FILE): their secret is not checked (a wrong one fails the run as connack_rejected)',
        };
  }
  const ok = mine === fleet.fingerprint;
  return {
    name: 'fleet-secret',
    status: ok ? 'ok' : 'refuse',
    message: ok
      ? `fleet secret: its fingerprint ${mine} matches fleet.json's`
      : `fleet secret: the fingerprint of FLEET_SECRET(_FILE) is ${mine}, fleet.json's (provisioned ${fleet.createdAt ?? '?'}) is ${fleet.fingerprint}: every device's password would be refused`,
    ...(ok
      ? {}
      : {
          fix: `give the agents the fleet-secret file written with ${fleet.manifestFile} (FLEET_SECRET_FILE), or provision again with this secret (--fleet-secret-file) and restart the broker`,
        }),
  };
}

/** Checks of the run's identities against the provisioned fleet; none without a manifest. */
export function fleetChecks(plan: PreflightPlan, fleet: FleetFacts | undefined): PreflightCheck[] {
  if (fleet === undefined) {
    return [];
  }
  return [manifestCheck(fleet), devicesCheck(plan, fleet), secretCheck(plan, fleet)].filter(
    (c): c is PreflightCheck => c !== undefined,
  );
}

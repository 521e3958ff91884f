import { provisionFleet } from '@sousvide/security';
import { UsageError } from '@sousvide/shared-util';
import { parseProvisionArgs, PROVISION_USAGE } from './app/provision-args';

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseProvisionArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`provisioner: ${err.message}\nRun with --help for usage.\n`);
      return EXIT.usage;
    }
    throw err;
  }
  if (parsed.command === 'help') {
    process.stdout.write(PROVISION_USAGE);
    return EXIT.ok;
  }
  const o = parsed.options;
  const r = await provisionFleet(o);
  const seconds = (ms: number): string => (ms / 1000).toFixed(2);
  if (o.json) {
    const { manifest, manifestFile, identitiesFile, identitiesBytes, hashMs, totalMs } = r;
    const secrets = r.secrets.map((s) => ({ file: s.file, created: s.created }));
    process.stdout.write(
      `${JSON.stringify({ manifest, manifestFile, identitiesFile, identitiesBytes, secrets, hashMs, totalMs })}\n`,
    );
    return EXIT.ok;
  }
  const m = r.manifest;
  process.stdout.write(
    `provisioner: ${m.devices.count} devices (${m.devices.firstId}..${m.devices.lastId}) and ` +
      `gateway "${m.gateway.username}" and monitor "${m.monitor?.username}" in ${seconds(r.totalMs)} s (hashing ${seconds(r.hashMs)} s; ` +
      `PBKDF2 rounds: ${m.hash.deviceIterations} per device, ${m.hash.iterations} per service)\n` +
      `  broker (${m.format}): ${r.identitiesFile} (${(r.identitiesBytes / 1e6).toFixed(1)} MB); mount its directory at /mosquitto/auth\n` +
      `  manifest: ${r.manifestFile} (fleet secret fingerprint ${m.fleetSecretFingerprint})\n` +
      r.secrets
        .map((s) => `  ${s.created ? 'made' : 'kept'}: ${s.file}${s.created ? ' (0600)' : ''}\n`)
        .join(''),
  );
  return EXIT.ok;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`provisioner: ${(err as Error).message}\n`);
    process.exit(EXIT.failed);
  },
);

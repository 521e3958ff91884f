import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerAuthFormat } from '../fleet/fleet-manifest';
import {
  DENY_BY_DEFAULT,
  DynsecClient,
  dynsecConfigJson,
  DynsecRole,
} from '../mosquitto/dynsec-config';
import { MosquittoPasswordHash, passwordFileLine } from '../mosquitto/mosquitto-password';
import {
  aclFileText,
  deviceRole,
  deviceRoleName,
  GATEWAY_ROLE,
  gatewayRole,
  MONITOR_ROLE,
  monitorRole,
} from './broker-policy';
import { writeAtomically } from './secret-files';

/** Where the broker container sees the provisioner's broker directory (secure.conf). */
export const BROKER_AUTH_MOUNT = '/mosquitto/auth';

/** One identity and its password hash. */
export interface HashedIdentity {
  username: string;
  hash: MosquittoPasswordHash;
}

/** What each format writes into the broker directory; auth.conf is what secure.conf includes. */
const FILES: Record<BrokerAuthFormat, { identities: string; extra: string[] }> = {
  dynsec: { identities: 'dynamic-security.json', extra: [] },
  // Not *.conf: include_dir loads every *.conf file as broker configuration.
  passwd: { identities: 'passwd', extra: ['acl'] },
};

/** The service identities besides the devices. */
export interface ServiceIdentities {
  gateway: HashedIdentity;
  /** The coordinator's `$SYS` probe. */
  monitor: HashedIdentity;
}

/**
 * Writes `auth.conf` and the identities of `format` into `dir`, and removes the other format's
 * files so the directory never holds two sets of identities. Returns the identities file.
 */
export function writeBrokerFiles(
  dir: string,
  format: BrokerAuthFormat,
  services: ServiceIdentities,
  devices: HashedIdentity[],
): string {
  const { gateway, monitor } = services;
  for (const other of Object.keys(FILES) as BrokerAuthFormat[]) {
    if (other !== format) {
      for (const name of [FILES[other].identities, ...FILES[other].extra]) {
        rmSync(join(dir, name), { force: true });
      }
    }
  }
  const identities = join(dir, FILES[format].identities);
  // 0644: the broker reads these after dropping root; they hold PBKDF2 hashes of 256-bit
  // random passwords, never a password.
  switch (format) {
    case 'dynsec':
      writeAtomically(identities, dynsecText(services, devices), 0o644);
      writeAtomically(
        join(dir, 'auth.conf'),
        [
          '# Written by the provisioner: identities and grants in the dynamic security plugin.',
          // A bare name: dlopen finds it in the Debian image's multiarch lib directory and, by
          // musl's default path, in /usr/lib of the official image.
          'plugin mosquitto_dynamic_security.so',
          `plugin_opt_config_file ${BROKER_AUTH_MOUNT}/${FILES.dynsec.identities}`,
          '',
        ].join('\n'),
        0o644,
      );
      break;
    case 'passwd':
      writeAtomically(
        identities,
        [gateway, monitor, ...devices]
          .map((i) => `${passwordFileLine(i.username, i.hash)}\n`)
          .join(''),
        0o644,
      );
      writeAtomically(join(dir, 'acl'), aclFileText(gateway.username, monitor.username), 0o644);
      writeAtomically(
        join(dir, 'auth.conf'),
        [
          '# Written by the provisioner: a password file and acl_file patterns.',
          `password_file ${BROKER_AUTH_MOUNT}/passwd`,
          `acl_file ${BROKER_AUTH_MOUNT}/acl`,
          '',
        ].join('\n'),
        0o644,
      );
      break;
  }
  return identities;
}

function dynsecText({ gateway, monitor }: ServiceIdentities, devices: HashedIdentity[]): string {
  function* clients(): Generator<DynsecClient> {
    yield { username: gateway.username, password: gateway.hash, roles: [GATEWAY_ROLE] };
    // No client id: the probe connects under a fresh one each time. Devices cannot take it over:
    // each is bound to its own id.
    yield { username: monitor.username, password: monitor.hash, roles: [MONITOR_ROLE] };
    for (const d of devices) {
      // The client id is bound to the device id: no device can take over another's session.
      const roles = [deviceRoleName(d.username)];
      yield { username: d.username, clientid: d.username, password: d.hash, roles };
    }
  }
  function* roles(): Generator<DynsecRole> {
    yield gatewayRole();
    yield monitorRole();
    for (const d of devices) {
      yield deviceRole(d.username);
    }
  }
  return dynsecConfigJson({ defaultAccess: DENY_BY_DEFAULT, clients: clients(), roles: roles() });
}

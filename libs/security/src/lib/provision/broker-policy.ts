import {
  controlTopic,
  GATEWAY_SHARED_SUBSCRIPTION,
  TELEMETRY_TOPIC_FILTER,
  telemetryTopic,
  TOPIC_ROOT,
} from '@sousvide/telemetry-schema';
import { DynsecRole } from '../mosquitto/dynsec-config';

/**
 * Who may do what on the broker (DESIGN.md section 3, issue 15), from the topic names the apps
 * use, so the grants cannot drift from the topics.
 */

/** Backend -> device commands, any device: only the gateway publishes here. */
export const CONTROL_TOPIC_FILTER = `${TOPIC_ROOT}/+/control`;

export const GATEWAY_ROLE = 'ingest-gateway';

export const MONITOR_ROLE = 'sim-coordinator-monitor';
/** The broker's own statistics, published retained every `sys_interval`. */
export const SYS_TOPIC_FILTER = '$SYS/#';
/**
 * Where the coordinator's `$SYS` probe publishes its retained markers (one per probe client id,
 * cleared before it disconnects; apps/sim-coordinator broker-sys.probe.ts).
 */
export const SYS_PROBE_ROOT = 'sim-coordinator/sys-probe';
export const SYS_PROBE_TOPIC_FILTER = `${SYS_PROBE_ROOT}/#`;

/** Role name of one device's grants (dynsec has no %u patterns in 2.0.11: one role per device). */
export function deviceRoleName(deviceId: string): string {
  return `device-${deviceId}`;
}

/** A device publishes only its own telemetry and subscribes only to its own control topic. */
export function deviceRole(deviceId: string): DynsecRole {
  return {
    rolename: deviceRoleName(deviceId),
    acls: [
      { acltype: 'publishClientSend', topic: telemetryTopic(deviceId), allow: true },
      { acltype: 'subscribeLiteral', topic: controlTopic(deviceId), allow: true },
    ],
  };
}

/**
 * The gateway takes the shared telemetry subscription (or, in its exclusive mode, the plain
 * one) and publishes control commands. Nothing else: no $SYS, no $CONTROL.
 */
export function gatewayRole(): DynsecRole {
  return {
    rolename: GATEWAY_ROLE,
    acls: [
      { acltype: 'subscribeLiteral', topic: GATEWAY_SHARED_SUBSCRIPTION, allow: true },
      { acltype: 'subscribeLiteral', topic: TELEMETRY_TOPIC_FILTER, allow: true },
      { acltype: 'publishClientSend', topic: CONTROL_TOPIC_FILTER, allow: true },
    ],
  };
}

/**
 * The coordinator's broker probe (ADR 0027): reads `$SYS` and writes its own markers. Nothing
 * else: no telemetry, no control, no `$share`, no `$CONTROL`. subscribePattern, not
 * subscribeLiteral: the probe subscribes to single `$SYS/broker/...` topics, which a literal
 * grant of `$SYS/#` would refuse (the plugin compares a literal grant with the filter as text).
 * Receiving (retained `$SYS` figures included) is the default grant (DENY_BY_DEFAULT).
 */
export function monitorRole(): DynsecRole {
  return {
    rolename: MONITOR_ROLE,
    acls: [
      { acltype: 'subscribePattern', topic: SYS_TOPIC_FILTER, allow: true },
      { acltype: 'subscribePattern', topic: SYS_PROBE_TOPIC_FILTER, allow: true },
      { acltype: 'publishClientSend', topic: SYS_PROBE_TOPIC_FILTER, allow: true },
    ],
  };
}

/**
 * The same policy for Mosquitto's acl_file, for `--format passwd`. Mosquitto 2.0.11's acl_file
 * checks publishing and delivery only, never SUBSCRIBE (security_default.c): a device's
 * `$share/ingest/...` subscription is granted, receives nothing, but takes its turn in the
 * group, so its share of telemetry is dropped (docs/security.md). The dynsec format refuses it.
 */
export function aclFileText(gatewayUser: string, monitorUser: string): string {
  return [
    '# Written by the provisioner (--format passwd). Patterns apply to every authenticated user.',
    `user ${gatewayUser}`,
    `topic read ${TELEMETRY_TOPIC_FILTER}`,
    `topic write ${CONTROL_TOPIC_FILTER}`,
    '',
    `user ${monitorUser}`,
    `topic read ${SYS_TOPIC_FILTER}`,
    `topic readwrite ${SYS_PROBE_TOPIC_FILTER}`,
    '',
    `pattern write ${TOPIC_ROOT}/%u/telemetry`,
    `pattern read ${TOPIC_ROOT}/%u/control`,
    '',
  ].join('\n');
}

/**
 * A broker configuration of the test's own instead of the harness's anonymous one, e.g.
 * docker/mosquitto/secure.conf with provisioned identities and TLS certificates.
 */
export interface MosquittoConfig {
  /** Host path of the mosquitto.conf to run. */
  file: string;
  /**
   * Host files or directories copied into the container before it starts (identities, ACLs,
   * certificates), at the container paths the configuration names, readable by the broker.
   */
  copy?: { source: string; target: string }[];
  /** Container ports to publish besides 1883, e.g. TLS listeners; see `MqttService.mappedPort`. */
  ports?: number[];
}

/** Where the configuration goes in the container (outside any directory a test copies in). */
export const CONFIG_PATH = '/sousvide-mosquitto.conf';

// The harness's own configuration, written into the container so the official image (which only
// listens on localhost without a config) and our Debian image behave the same: anonymous
// listener on 0.0.0.0:1883, no caps. `sysIntervalSec`: how often it publishes `$SYS` (Mosquitto's
// default 10 s when undefined).
export const anonymousConfigText = (persistence: boolean, sysIntervalSec?: number): string =>
  [
    'listener 1883 0.0.0.0',
    'allow_anonymous true',
    'max_connections -1',
    'max_queued_messages 100000',
    'max_inflight_messages 0',
    // As the stack's broker: every packet leaves at once, no Nagle (ADR 0054).
    'set_tcp_nodelay true',
    ...(persistence ? ['persistence true', 'persistence_location /tmp/'] : ['persistence false']),
    ...(sysIntervalSec === undefined ? [] : [`sys_interval ${sysIntervalSec}`]),
    'log_dest stdout',
    '',
  ].join('\n');

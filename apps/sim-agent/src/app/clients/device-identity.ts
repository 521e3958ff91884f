import { isIP } from 'node:net';
import { devicePassword, type TlsClientOptions } from '@sousvide/security';
import {
  BROKER_SCHEME_NAMES,
  brokerHostOf,
  brokerPortOf,
  brokerSchemeIsTls,
} from '@sousvide/shared-util';
import type { DeviceTls } from './device-client';
import type { ConnectCredentials } from './lean-codec';

/** How this agent's devices prove who they are: from its environment, never from the job. */
export interface AgentSecurity {
  /** FLEET_SECRET(_FILE): each device logs in as itself. Absent: anonymous, as before. */
  fleetSecret?: string;
  /** MQTT_TLS_*_FILE, loaded and checked at boot; used for an mqtts:// broker. */
  tls?: TlsClientOptions;
}

/** What a device's CONNECT says about it. */
export interface DeviceLogin {
  clientId: string;
  credentials?: ConnectCredentials;
}

/**
 * With a fleet secret, client id = user name = the device id (the broker's dynamic security binds
 * the client id to the user name, ADR 0032) and the password is derived from the secret.
 * Without one, the anonymous client id of each attempt and part, unique per run.
 */
export function deviceLogin(
  deviceId: string,
  anonymousClientId: string,
  fleetSecret: string | undefined,
): DeviceLogin {
  if (fleetSecret === undefined) {
    return { clientId: anonymousClientId };
  }
  return {
    clientId: deviceId,
    credentials: { username: deviceId, password: devicePassword(fleetSecret, deviceId) },
  };
}

/** Where the devices connect: host, port (1883, or 8883 for mqtts:// and ssl://) and the TLS options. */
export interface BrokerEndpoint {
  host: string;
  port: number;
  tls?: DeviceTls;
}

/**
 * Reads a broker URL: `mqtt://` and `tcp://` are plain, `mqtts://` and `ssl://` TLS (the scheme
 * table every broker client shares). TLS uses the agent's TLS options (Node's trusted roots when
 * it has none) and names the host for certificate checking (SNI) unless it is an IP address.
 */
export function brokerEndpoint(
  brokerUrl: string,
  tls: TlsClientOptions | undefined,
): BrokerEndpoint {
  const url = new URL(brokerUrl);
  const host = brokerHostOf(url);
  const secure = brokerSchemeIsTls(url.protocol);
  if (secure === undefined) {
    throw new Error(
      `broker URL ${url.protocol}//${url.host}: use ${BROKER_SCHEME_NAMES.map((s) => `${s}://`).join(', ')}`,
    );
  }
  const port = brokerPortOf(url);
  if (!secure) {
    return { host, port };
  }
  return {
    host,
    port,
    tls: {
      ...(tls ?? { rejectUnauthorized: true }),
      ...(isIP(host) ? {} : { servername: host }),
    },
  };
}

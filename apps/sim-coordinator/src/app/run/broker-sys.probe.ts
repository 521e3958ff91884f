import { connectAsync, type MqttClient } from 'mqtt';
import type { TlsClientOptions } from '@sousvide/security';

/** Mosquitto's figures for what it holds (published under `$SYS` every `sys_interval`). */
export interface BrokerStore {
  /** Messages in the broker's store: queued, in flight to a client, or retained. */
  stored: number;
  retained: number;
  /** Publishes the broker dropped since it started (queue limits); null when not published. */
  dropped: number | null;
}

/**
 * Who the probe logs in as: the provisioner's monitor identity (MQTT_MONITOR_USERNAME,
 * MQTT_MONITOR_PASSWORD(_FILE)), and the TLS files for mqtts:// (MQTT_TLS_*_FILE). Empty:
 * anonymous, as on the unauthenticated broker.
 */
export interface BrokerProbeLogin {
  username?: string;
  password?: string;
  tls?: TlsClientOptions;
}

const TOPICS = {
  uptime: '$SYS/broker/uptime',
  stored: '$SYS/broker/store/messages/count',
  retained: '$SYS/broker/retained messages/count',
  dropped: '$SYS/broker/publish/messages/dropped',
} as const;
type Figure = keyof typeof TOPICS;
/** After a fresh uptime, the rest of the same `$SYS` update follows on the same socket. */
const SAME_UPDATE_GRACE_MS = 500;

/**
 * Reads the broker's store figures as of its next `$SYS` update. Mosquitto publishes a figure
 * only when it changed, retained with a 60 s expiry, so a figure steady for a minute cannot be
 * read at all; a retained marker message of this probe changes both the store and the retained
 * count by one (their difference, what it measures, stays), so the next update publishes both.
 * The markers are removed before it returns. Rejects with the reason when the broker does not
 * answer within `timeoutMs` (not Mosquitto, `sys_interval 0`, an ACL on `$SYS` or the marker).
 */
export async function readBrokerStore(
  url: string,
  timeoutMs: number,
  login: BrokerProbeLogin = {},
): Promise<BrokerStore> {
  const clientId = `sim-coordinator-sys-${process.pid}-${Date.now()}`;
  const client = await connectAsync(
    url,
    {
      clientId,
      reconnectPeriod: 0,
      connectTimeout: Math.min(timeoutMs, 5000),
      clean: true,
      ...login.tls,
      ...(login.username === undefined
        ? {}
        : { username: login.username, password: login.password }),
    },
    false,
  ).catch((err: unknown) => {
    throw refusal(err, login);
  });
  const markers: string[] = [];
  try {
    return await collect(client, timeoutMs, () => {
      const topic = `sim-coordinator/sys-probe/${clientId}/${markers.length}`;
      markers.push(topic);
      client.publish(topic, '1', { qos: 0, retain: true });
    });
  } finally {
    for (const topic of markers) {
      client.publish(topic, '', { qos: 0, retain: true });
    }
    await client.endAsync().catch(() => undefined);
  }
}

/** A refused CONNACK names the variables to check; other errors pass unchanged. */
function refusal(err: unknown, login: BrokerProbeLogin): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'number') {
    return err;
  }
  const check =
    login.username === undefined
      ? "the probe connected anonymously: set MQTT_MONITOR_USERNAME and MQTT_MONITOR_PASSWORD(_FILE) to the provisioner's monitor identity (fleet.json monitor.username, <out>/monitor-password)"
      : `check MQTT_MONITOR_USERNAME (${login.username}) and MQTT_MONITOR_PASSWORD(_FILE)`;
  return new Error(`the broker refused the $SYS probe's CONNECT (code ${code}): ${check}`);
}

function collect(client: MqttClient, timeoutMs: number, mark: () => void): Promise<BrokerStore> {
  // Both figures from one update: a retained copy may be a minute old, an earlier update stale.
  let update: Partial<Record<Figure, number>> = {};
  let dropped: number | null = null;
  return new Promise<BrokerStore>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no $SYS store figures from the broker within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const settle = (): void => {
      const { stored, retained } = update;
      if (stored !== undefined && retained !== undefined) {
        clearTimeout(timer);
        resolve({ stored, retained, dropped });
      } else {
        mark(); // the figures did not change at that update: change them for the next
      }
    };
    client.on('message', (topic, payload, packet) => {
      const name = (Object.keys(TOPICS) as Figure[]).find((k) => TOPICS[k] === topic);
      if (!name) {
        return;
      }
      const n = parseInt(payload.toString(), 10);
      if (name === 'dropped') {
        dropped = n; // a counter: its latest figure, retained or not
      } else if (!packet.retain && name === 'uptime') {
        update = {}; // uptime opens every update
        setTimeout(settle, SAME_UPDATE_GRACE_MS);
      } else if (!packet.retain) {
        update[name] = n;
      }
    });
    const refused = (why: string): void => {
      clearTimeout(timer);
      reject(new Error(why));
    };
    client.subscribeAsync(Object.values(TOPICS), { qos: 0 }).then(
      (granted) => {
        // MQTT 3.1.1 grants 128 for a refused filter (no error): the identity lacks $SYS/#.
        if (granted.some((g) => g.qos >= 128)) {
          refused(
            'the broker refused the $SYS subscription: MQTT_MONITOR_USERNAME needs the monitor role ($SYS/#)',
          );
        } else {
          mark();
        }
      },
      (err: unknown) => refused((err as Error).message),
    );
  });
}

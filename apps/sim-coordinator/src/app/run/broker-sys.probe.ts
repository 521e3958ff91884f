import { connectAsync, type MqttClient } from 'mqtt';

/** Mosquitto's figures for what it holds (published under `$SYS` every `sys_interval`). */
export interface BrokerStore {
  /** Messages in the broker's store: queued, in flight to a client, or retained. */
  stored: number;
  retained: number;
  /** Publishes the broker dropped since it started (queue limits). */
  dropped: number;
}

const TOPICS = {
  uptime: '$SYS/broker/uptime',
  stored: '$SYS/broker/store/messages/count',
  retained: '$SYS/broker/retained messages/count',
  dropped: '$SYS/broker/publish/messages/dropped',
} as const;
/** After a fresh uptime, the rest of the same `$SYS` update follows on the same socket. */
const SAME_UPDATE_GRACE_MS = 500;

/**
 * Reads the broker's `$SYS` store figures. Mosquitto publishes each figure only when it changed
 * (retained), and `$SYS/broker/uptime` at every update, so the retained values are the broker's
 * state as of its last update. `fresh`: wait for the next update after this call, so the figures
 * describe the broker after it (a cut-off), within `timeoutMs`. Rejects with the reason when the
 * broker cannot be asked or publishes no `$SYS` (another broker, or `sys_interval 0`).
 */
export async function readBrokerStore(
  url: string,
  options: { fresh: boolean; timeoutMs: number },
): Promise<BrokerStore> {
  const client = await connectAsync(
    url,
    {
      clientId: `sim-coordinator-sys-${process.pid}-${Date.now()}`,
      reconnectPeriod: 0,
      connectTimeout: Math.min(options.timeoutMs, 5000),
      clean: true,
    },
    false,
  );
  try {
    return await collect(client, options);
  } finally {
    await client.endAsync(true).catch(() => undefined);
  }
}

function collect(
  client: MqttClient,
  options: { fresh: boolean; timeoutMs: number },
): Promise<BrokerStore> {
  const values: Partial<Record<keyof typeof TOPICS, number>> = {};
  return new Promise<BrokerStore>((resolve, reject) => {
    let settled = false;
    const finish = (): void => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      const { stored, retained, dropped } = values;
      if (stored === undefined || retained === undefined) {
        reject(
          new Error(`the broker published no ${TOPICS.stored} (not Mosquitto, or sys_interval 0)`),
        );
        return;
      }
      resolve({ stored, retained, dropped: dropped ?? 0 });
    };
    const timer = setTimeout(() => {
      if (!settled) {
        settled = true;
        reject(new Error(`no $SYS update from the broker within ${options.timeoutMs} ms`));
      }
    }, options.timeoutMs);
    client.on('message', (topic, payload, packet) => {
      const name = (Object.keys(TOPICS) as (keyof typeof TOPICS)[]).find(
        (k) => TOPICS[k] === topic,
      );
      if (!name) {
        return;
      }
      values[name] = parseInt(payload.toString(), 10);
      if (name === 'uptime' && options.fresh && !packet.retain) {
        setTimeout(finish, SAME_UPDATE_GRACE_MS);
      }
    });
    client.subscribeAsync(Object.values(TOPICS), { qos: 0 }).then(
      () => {
        if (!options.fresh) {
          // The retained values follow the SUBACK at once.
          setTimeout(finish, SAME_UPDATE_GRACE_MS);
        }
      },
      (err: unknown) => {
        settled = true;
        clearTimeout(timer);
        reject(err as Error);
      },
    );
  });
}

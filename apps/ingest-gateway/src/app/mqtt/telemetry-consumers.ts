import {
  MqttConsumer,
  type CloseResult,
  type ConsumerEvent,
  type ConsumerStats,
  type Delivery,
} from '@sousvide/mqtt-consumer';
import { redactText, redactUrl } from '@sousvide/security';
import { GATEWAY_MAX_PACKET_BYTES } from '@sousvide/telemetry-schema';
import type { ConsumerSettings } from '../config/env.schema';

/** What Node's TLS says when it does not accept a server's certificate (code or message). */
const TLS_CERTIFICATE_CAUSE =
  /CERT_|ERR_TLS_|self[- ]signed|unable to (verify|get local issuer)|certificate/i;

/**
 * The boot error of a gateway whose broker connections failed, naming the variables to check:
 * the credentials when the broker refused them, the CA file when the broker's certificate was not
 * accepted, MQTT_URL (and the TLS files) otherwise. Each carries the cause as the consumer saw it.
 */
export function brokerBootError(url: string, err: Error): Error {
  const why = redactText(err.message);
  if (
    (err as { reasonCode?: number }).reasonCode === 0x86 ||
    /not authori[sz]ed|bad user name/i.test(why)
  ) {
    return new Error(
      `MQTT broker at ${redactUrl(url)} refused the gateway's credentials (${why}): check MQTT_USERNAME and MQTT_PASSWORD (or MQTT_PASSWORD_FILE)`,
    );
  }
  if (TLS_CERTIFICATE_CAUSE.test(why)) {
    return new Error(
      `MQTT broker at ${redactUrl(url)} unreachable: its TLS certificate was not accepted (${why}): check MQTT_TLS_CA_FILE (the CA that signed the broker's certificate) and that MQTT_URL names a host the certificate is for`,
    );
  }
  return new Error(
    `MQTT broker at ${redactUrl(url)} unreachable (${why}): check MQTT_URL (and MQTT_TLS_CA_FILE for mqtts://)`,
  );
}

export interface TelemetryConsumersOptions extends ConsumerSettings {
  /** Every delivery of one socket read; each must be acked once durable, or released. */
  onDeliveries: (deliveries: Delivery[]) => void;
  onEvent: (connection: number, event: ConsumerEvent) => void;
}

/**
 * The gateway's MQTT 5 connections to its subscription (shared by default: the broker spreads
 * telemetry over every connection of every instance), each a lean consumer that PUBACKs only what
 * the pipeline acknowledged as durable (ADR 0013, 0015). Each keeps a persistent session under
 * `<GATEWAY_ID>-<index>`, so what it had not acknowledged when it died or stopped is delivered
 * again when the id comes back, or to a gateway that adopts the session.
 */
export class TelemetryConsumers {
  private readonly consumers: MqttConsumer[] = [];

  constructor(private readonly o: TelemetryConsumersOptions) {}

  /** Every connection connected and subscribed, or a message naming the broker within seconds. */
  async start(): Promise<void> {
    for (let i = 0; i < this.o.connections; i += 1) {
      this.consumers.push(
        new MqttConsumer({
          ...this.o.broker,
          clientId: `${this.o.clientIdPrefix}-${i}`,
          topicFilter: this.o.topicFilter,
          sessionExpirySec: this.o.sessionExpirySec,
          receiveMaximum: this.o.receiveMaximum,
          maximumPacketSize: GATEWAY_MAX_PACKET_BYTES,
          reconnect: this.o.reconnect,
          onDeliveries: this.o.onDeliveries,
          onEvent: (event) => this.o.onEvent(i, event),
        }),
      );
    }
    try {
      await Promise.all(this.consumers.map((c) => c.start()));
    } catch (err) {
      this.consumers.forEach((c) => c.abort());
      throw brokerBootError(this.o.broker.url, err as Error);
    }
  }

  get connected(): boolean {
    return this.consumers.length > 0 && this.consumers.every((c) => c.connected);
  }

  /** Summed over the connections. */
  stats(): Pick<ConsumerStats, 'delivered' | 'unacked' | 'acked' | 'released' | 'staleAcks'> {
    const sum = { delivered: 0, unacked: 0, acked: 0, released: 0, staleAcks: 0 };
    for (const c of this.consumers) {
      const s = c.stats();
      for (const k of Object.keys(sum) as (keyof typeof sum)[]) {
        sum[k] += s[k];
      }
    }
    return sum;
  }

  /**
   * Stops taking at once: no more reading (what the broker sent meanwhile stays unacknowledged
   * in the session) and UNSUBSCRIBE, so the broker routes new telemetry to other instances.
   */
  stopTaking(): void {
    for (const c of this.consumers) {
      c.pause();
      // Not awaited: the UNSUBACK is read only once reading resumes (in close).
      void c.stopTaking();
    }
  }

  /**
   * Ends the connections keeping their sessions: whatever they still hold (not acknowledged, or
   * sent after reading stopped) is delivered again to this GATEWAY_ID or to an adopting gateway.
   * Reading resumes first so the UNSUBACKs and the last PUBACKs' round trips complete; what
   * arrives now at QoS 1 is released at once by the pipeline (QoS 0 is processed: it has no
   * other copy).
   */
  async close(): Promise<CloseResult[]> {
    const results = await Promise.all(
      this.consumers.map((c) => {
        c.resume();
        return c.close({ endSession: false });
      }),
    );
    this.consumers.length = 0;
    return results;
  }
}

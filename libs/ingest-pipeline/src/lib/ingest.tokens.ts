/** The Redis client of the ingest stores (heartbeats, claims, counters), made by the storage module. */
export const INGEST_REDIS = Symbol('INGEST_REDIS');

/** Where fail-safe commands are published: an app's broker connection ({@link ControlPublisher}). */
export const CONTROL_PUBLISHER = Symbol('CONTROL_PUBLISHER');

/** Publishes a control command to a device (QoS 1); rejects when there is no broker connection. */
export interface ControlPublisher {
  publish(topic: string, payload: string): Promise<void>;
}

import { z } from 'zod';
import { RUN_ID_PATTERN, RUN_ID_RULE } from '@sousvide/loadtest-contracts';

/** Largest accepted telemetry payload, in bytes (docs/architecture.md section 3). */
export const MAX_PAYLOAD_BYTES = 4096;

/**
 * Largest MQTT packet of telemetry a device may send, in bytes: the broker's max_packet_size
 * (docker/mosquitto.conf). Room for a payload at MAX_PAYLOAD_BYTES and its topic, so an
 * oversized payload still arrives and is dead-lettered as TOO_LARGE.
 */
export const MAX_PACKET_BYTES = 8192;

/**
 * The gateway's CONNECT Maximum Packet Size: the broker's limit and room for what forwarding adds
 * to a packet it accepted (an MQTT 5 PUBLISH gains a property length, and a subscription
 * identifier where one is used). A broker drops a message larger than its subscriber's maximum
 * (MQTT 5, 3.1.2.11.4) after it acknowledged it to the device: lost, and in no DLQ. With the limit
 * itself there was no room: Mosquitto 2.0.11 lets a packet at its limit through only because it
 * counts a packet's size without its first byte (a byte more was dropped, measured).
 */
export const GATEWAY_MAX_PACKET_BYTES = MAX_PACKET_BYTES + 1024;

/** What a deviceId may hold (1..DEVICE_ID_MAX_LENGTH of these). */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9._-]+$/;
export const DEVICE_ID_MAX_LENGTH = 128;

export const DEVICE_STATES = ['idle', 'preheating', 'cooking', 'holding', 'error'] as const;

/**
 * Telemetry payload v1. Unknown fields are ignored (zod strips them); `runId` is present for
 * simulated devices only.
 */
export const telemetryV1Schema = z.object({
  v: z.literal(1),
  deviceId: z
    .string()
    .min(1)
    .max(DEVICE_ID_MAX_LENGTH)
    .regex(DEVICE_ID_PATTERN, 'deviceId may hold letters, digits, ".", "_" and "-" only'),
  seq: z.number().int().nonnegative().optional(),
  ts: z.number().int().positive(),
  /** Names Redis keys and DLQ entries: the one run-id rule of loadtest-contracts. */
  runId: z.string().regex(RUN_ID_PATTERN, `runId must be ${RUN_ID_RULE}`).optional(),
  tempC: z.number().finite(),
  targetC: z.number().finite(),
  heaterOn: z.boolean(),
  pumpOn: z.boolean(),
  waterLevel: z.number().min(0).max(1),
  state: z.enum(DEVICE_STATES),
});

export type TelemetryV1 = z.infer<typeof telemetryV1Schema>;
export type DeviceState = (typeof DEVICE_STATES)[number];

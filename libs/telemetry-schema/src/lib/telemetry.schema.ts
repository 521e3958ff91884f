import { z } from 'zod';

/** Largest accepted telemetry payload, in bytes (docs/architecture.md section 3). */
export const MAX_PAYLOAD_BYTES = 4096;

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
    .max(128)
    .regex(/^[A-Za-z0-9._-]+$/, 'deviceId may hold letters, digits, ".", "_" and "-" only'),
  seq: z.number().int().nonnegative().optional(),
  ts: z.number().int().positive(),
  runId: z.string().min(1).max(128).optional(),
  tempC: z.number().finite(),
  targetC: z.number().finite(),
  heaterOn: z.boolean(),
  pumpOn: z.boolean(),
  waterLevel: z.number().min(0).max(1),
  state: z.enum(DEVICE_STATES),
});

export type TelemetryV1 = z.infer<typeof telemetryV1Schema>;
export type DeviceState = (typeof DEVICE_STATES)[number];

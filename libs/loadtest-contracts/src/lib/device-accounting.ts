/** A device and how many messages of one kind it had. */
export interface DeviceCount {
  deviceId: string;
  count: number;
}

/**
 * business-summary.json's `devices`: per-device loss, duplication and reordering from each
 * device's seq as the gateways saw them (ADR 0020). For the run so far (all its attempts: a
 * retried attempt starts a new session per device).
 */
export interface DeviceAccounting {
  /** Devices the gateways received at least one message from. */
  devices_seen: number;
  /** Devices with a missing seq (a gap: never published, or lost on the way). */
  devices_with_gaps: number;
  devices_with_duplicates: number;
  devices_reordered: number;
  gaps_total: number;
  duplicates_total: number;
  reordered_total: number;
  /** The worst devices by count, highest first (at most `WORST_DEVICES` each). */
  worst: { gaps: DeviceCount[]; duplicates: DeviceCount[]; reordered: DeviceCount[] };
}

export const WORST_DEVICES = 10;

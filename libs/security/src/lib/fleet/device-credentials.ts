import { createHmac, randomBytes } from 'node:crypto';

/** Name of the derivation below; stored in the fleet manifest so both sides agree. */
export const DEVICE_PASSWORD_SCHEME = 'hmac-sha256-base64url-v1';

/** A fleet secret must carry at least 192 bits: 32 base64url characters. */
export const FLEET_SECRET_MIN_LENGTH = 32;

// Domain separation: the same secret never yields a device password that equals its fingerprint.
const PASSWORD_LABEL = 'sousvide/device-password/v1\0';
const FINGERPRINT_LABEL = 'sousvide/fleet-secret-fingerprint/v1';

/**
 * A device's MQTT password, derived from the fleet secret: HMAC-SHA256(secret, label + deviceId),
 * base64url (43 characters, 256 bits). The broker stores only a PBKDF2 hash of it; the agents
 * derive it from the one fleet secret, so no list of 100,000 passwords is ever shipped or stored,
 * and one device's password reveals neither the secret nor another device's password.
 */
export function devicePassword(fleetSecret: string, deviceId: string): string {
  assertFleetSecret(fleetSecret);
  if (deviceId === '') {
    throw new RangeError('deviceId must not be empty');
  }
  return createHmac('sha256', fleetSecret)
    .update(PASSWORD_LABEL + deviceId)
    .digest('base64url');
}

/**
 * Identifies a fleet secret without revealing it (16 hex characters), so a preflight can tell
 * whether the agents hold the secret the broker was provisioned with.
 */
export function fleetSecretFingerprint(fleetSecret: string): string {
  assertFleetSecret(fleetSecret);
  return createHmac('sha256', fleetSecret).update(FINGERPRINT_LABEL).digest('hex').slice(0, 16);
}

/** A new random secret: 32 bytes as base64url (43 characters). */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

function assertFleetSecret(secret: string): void {
  if (secret.length < FLEET_SECRET_MIN_LENGTH) {
    throw new RangeError(
      `the fleet secret must be at least ${FLEET_SECRET_MIN_LENGTH} characters (got ${secret.length})`,
    );
  }
}

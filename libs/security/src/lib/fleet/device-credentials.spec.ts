import { createHmac } from 'node:crypto';
import {
  devicePassword,
  fleetSecretFingerprint,
  FLEET_SECRET_MIN_LENGTH,
  generateSecret,
} from './device-credentials';

const SECRET = 'x'.repeat(FLEET_SECRET_MIN_LENGTH);

describe('device credentials', () => {
  it('derives HMAC-SHA256(secret, label + deviceId) as base64url', () => {
    const expected = createHmac('sha256', SECRET)
      .update('sousvide/device-password/v1\0sv-000001')
      .digest('base64url');
    expect(devicePassword(SECRET, 'sv-000001')).toBe(expected);
    expect(expected).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('gives every device its own password and every secret its own set', () => {
    const other = 'y'.repeat(FLEET_SECRET_MIN_LENGTH);
    expect(devicePassword(SECRET, 'sv-000001')).not.toBe(devicePassword(SECRET, 'sv-000002'));
    expect(devicePassword(SECRET, 'sv-000001')).not.toBe(devicePassword(other, 'sv-000001'));
  });

  it('fingerprints the secret without containing it or any device password', () => {
    const fp = fleetSecretFingerprint(SECRET);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(fp).toBe(fleetSecretFingerprint(SECRET));
    expect(fp).not.toBe(fleetSecretFingerprint('z'.repeat(FLEET_SECRET_MIN_LENGTH)));
  });

  it('refuses a secret too short to protect 100,000 identities', () => {
    expect(() => devicePassword('short', 'sv-1')).toThrow('at least 32 characters (got 5)');
    expect(() => fleetSecretFingerprint('')).toThrow('at least 32 characters');
  });

  it('generates 43-character random secrets', () => {
    const a = generateSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateSecret()).not.toBe(a);
  });
});

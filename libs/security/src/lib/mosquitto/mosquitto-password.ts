import { pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/** Mosquitto 2's defaults (mosquitto_passwd, dynamic security plugin): PBKDF2-SHA512, 101 rounds. */
export const MOSQUITTO_PBKDF2_ITERATIONS = 101;
/**
 * Rounds for device identities (ADR 0059). A device password is a 256-bit HMAC of the fleet
 * secret, never chosen by a person: no dictionary reaches it, and 101 rounds would add under 7
 * bits of work to a 256-bit search. The broker pays the rounds on every CONNECT on its one thread
 * (about 40-50 µs at 101 rounds, measured in docs/benchmarks.md), so devices get one: still a salted
 * HMAC-SHA512 of the password, no plaintext in the broker's files.
 */
export const DEVICE_PBKDF2_ITERATIONS = 1;
export const MOSQUITTO_SALT_BYTES = 12;
const HASH_BYTES = 64;

/** A PBKDF2-SHA512 password hash as Mosquitto 2 stores it (password file `$7$` or dynsec JSON). */
export interface MosquittoPasswordHash {
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

/**
 * Hashes a password the way `mosquitto_passwd` does (a fresh 12-byte salt unless given), on
 * libuv's thread pool so that hashing many identities uses more than one core.
 */
export async function hashMosquittoPassword(
  password: string,
  options: { iterations?: number; salt?: Buffer } = {},
): Promise<MosquittoPasswordHash> {
  const iterations = options.iterations ?? MOSQUITTO_PBKDF2_ITERATIONS;
  const salt = options.salt ?? randomBytes(MOSQUITTO_SALT_BYTES);
  if (salt.length !== MOSQUITTO_SALT_BYTES) {
    // Mosquitto silently drops an entry whose salt is not 12 bytes: refuse it here instead.
    throw new RangeError(`salt must be ${MOSQUITTO_SALT_BYTES} bytes, got ${salt.length}`);
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`iterations must be a positive whole number, got ${iterations}`);
  }
  const hash = await pbkdf2Async(password, salt, iterations, HASH_BYTES, 'sha512');
  return { iterations, salt, hash };
}

/** True when `password` matches the hash (constant-time comparison). */
export function verifyMosquittoPassword(stored: MosquittoPasswordHash, password: string): boolean {
  const candidate = pbkdf2Sync(password, stored.salt, stored.iterations, HASH_BYTES, 'sha512');
  return candidate.length === stored.hash.length && timingSafeEqual(candidate, stored.hash);
}

/** One line of a Mosquitto 2 password file: `user:$7$<iterations>$<salt b64>$<hash b64>`. */
export function passwordFileLine(username: string, h: MosquittoPasswordHash): string {
  assertPasswordFileUsername(username);
  return `${username}:$7$${h.iterations}$${h.salt.toString('base64')}$${h.hash.toString('base64')}`;
}

/** Parses a `$7$` password file line (the format {@link passwordFileLine} writes). */
export function parsePasswordFileLine(line: string): {
  username: string;
  hash: MosquittoPasswordHash;
} {
  const match = /^([^:]+):\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(line.trim());
  if (!match) {
    throw new Error('not a Mosquitto 2 PBKDF2 ($7$) password file line');
  }
  const [, username, iterations, salt, hash] = match;
  return {
    username,
    hash: {
      iterations: Number(iterations),
      salt: Buffer.from(salt, 'base64'),
      hash: Buffer.from(hash, 'base64'),
    },
  };
}

// Mosquitto splits lines on ':' and trims blanks: such a name would silently become another one.
function assertPasswordFileUsername(username: string): void {
  if (username === '' || /[:\s]/.test(username)) {
    throw new RangeError(
      `username "${username}" cannot go in a password file (empty, ':' or blank)`,
    );
  }
}

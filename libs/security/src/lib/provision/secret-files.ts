import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { makeDirSync } from '@sousvide/shared-util';
import { dirname } from 'node:path';
import { generateSecret } from '../fleet/device-credentials';
import { readSecretFile } from '../secret-env';

/** A secret the run uses, and whether this run made it. */
export interface SecretSource {
  value: string;
  file: string;
  created: boolean;
}

/**
 * The secret in `file`, made (random, 0600) when the file is missing or `rotate` is set. An
 * existing one is kept, so provisioning more devices later keeps every device's password.
 */
export function ensureSecret(
  file: string,
  what: string,
  minLength: number,
  rotate: boolean,
): SecretSource {
  if (existsSync(file) && !rotate) {
    let value: string;
    try {
      value = readSecretFile(file);
    } catch (err) {
      throw new Error(`cannot read the ${what} from ${file}: ${(err as Error).message}`);
    }
    if (value.length < minLength) {
      throw new Error(`the ${what} in ${file} is shorter than ${minLength} characters`);
    }
    return { value, file, created: false };
  }
  const value = generateSecret();
  writeAtomically(file, `${value}\n`, 0o600);
  return { value, file, created: true };
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export function writeAtomically(file: string, content: string, mode: number): void {
  makeDirSync(dirname(file), 0o700);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}

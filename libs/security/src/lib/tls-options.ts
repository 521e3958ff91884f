import { createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TlsConfigError } from './tls-config.error';

/** PEM files a TLS client may need; every one is optional. */
export interface TlsFiles {
  /** CA certificate(s) that signed the server's certificate; default: Node's trusted roots. */
  caFile?: string;
  /** Client certificate for mutual TLS; needs `keyFile`. */
  certFile?: string;
  /** Private key of `certFile` (unencrypted PEM). */
  keyFile?: string;
}

/**
 * Options every client here takes as they are: `tls.connect` (the lean agent, the consumer),
 * MQTT.js `connect`, ioredis `tls`, `new https.Agent(...)` (the Influx writer). Server
 * certificates are always verified: there is deliberately no switch to turn that off.
 */
export interface TlsClientOptions {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: true;
}

/** How each file is named in error messages (the environment variable that set it). */
export type TlsFileLabels = Record<keyof TlsFiles, string>;

const DEFAULT_LABELS: TlsFileLabels = {
  caFile: 'caFile',
  certFile: 'certFile',
  keyFile: 'keyFile',
};
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The TLS file variables of the client named by `P`. */
export type TlsFileVar<P extends string> =
  | `${P}_TLS_CA_FILE`
  | `${P}_TLS_CERT_FILE`
  | `${P}_TLS_KEY_FILE`;

/** The environment variable names of one client's TLS files: `<PREFIX>_TLS_CA_FILE`, ... */
export function tlsFileVars<P extends string>(prefix: P): Record<keyof TlsFiles, TlsFileVar<P>> {
  return {
    caFile: `${prefix}_TLS_CA_FILE`,
    certFile: `${prefix}_TLS_CERT_FILE`,
    keyFile: `${prefix}_TLS_KEY_FILE`,
  };
}

// An empty path counts as unset, as tlsClientOptionsFromEnv reads it (compose: `X: ${X:-}`).
const optionalPath = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

/** Zod shape entries for one client's TLS file variables (all optional paths). */
export function tlsEnvShape<P extends string>(
  prefix: P,
): Record<TlsFileVar<P>, typeof optionalPath> {
  return Object.fromEntries(
    Object.values(tlsFileVars(prefix)).map((name) => [name, optionalPath]),
  ) as Record<TlsFileVar<P>, typeof optionalPath>;
}

/**
 * Loads the TLS options a client with this prefix was configured with, or `undefined` when
 * none of its `<PREFIX>_TLS_*_FILE` variables is set (then a `mqtts://`, `rediss://` or
 * `https://` URL still uses TLS with Node's trusted roots).
 */
export function tlsClientOptionsFromEnv(
  env: Readonly<Record<string, unknown>>,
  prefix: string,
): TlsClientOptions | undefined {
  const vars = tlsFileVars(prefix);
  const files: TlsFiles = {};
  for (const key of Object.keys(vars) as (keyof TlsFiles)[]) {
    const value = env[vars[key]];
    if (typeof value === 'string' && value !== '') {
      files[key] = value;
    }
  }
  return Object.keys(files).length === 0 ? undefined : loadTlsClientOptions(files, vars);
}

/**
 * Reads and checks the files once, at boot: unreadable files, files that are not PEM, expired
 * certificates, a certificate without its key (or the reverse) and a key that does not belong to
 * the certificate each fail here with a {@link TlsConfigError} naming the file's label and path,
 * instead of as an opaque handshake failure later.
 */
export function loadTlsClientOptions(
  files: TlsFiles,
  labels: TlsFileLabels = DEFAULT_LABELS,
  now: Date = new Date(),
): TlsClientOptions {
  if (Boolean(files.certFile) !== Boolean(files.keyFile)) {
    const [given, missing] = files.certFile ? ['certFile', 'keyFile'] : ['keyFile', 'certFile'];
    throw new TlsConfigError(
      'TLS_HALF_PAIR',
      `${labels[given as keyof TlsFiles]} is set but ${labels[missing as keyof TlsFiles]} is not: mutual TLS needs both`,
    );
  }
  const options: TlsClientOptions = { rejectUnauthorized: true };
  if (files.caFile) {
    options.ca = readPem(files.caFile, labels.caFile);
    const certs = options.ca.match(PEM_CERT) ?? [];
    if (certs.length === 0) {
      throw notPem(labels.caFile, files.caFile, 'no CERTIFICATE block');
    }
    certs.forEach((pem) => checkCertificate(pem, labels.caFile, files.caFile as string, now));
  }
  if (files.certFile && files.keyFile) {
    options.cert = readPem(files.certFile, labels.certFile);
    options.key = readPem(files.keyFile, labels.keyFile);
    const cert = checkCertificate(options.cert, labels.certFile, files.certFile, now);
    const key = parseKey(options.key, labels.keyFile, files.keyFile);
    if (!cert.checkPrivateKey(key)) {
      throw new TlsConfigError(
        'TLS_KEY_MISMATCH',
        `${labels.keyFile}=${files.keyFile} is not the private key of ${labels.certFile}=${files.certFile}`,
      );
    }
  }
  return options;
}

function readPem(path: string, label: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new TlsConfigError(
      'TLS_FILE_UNREADABLE',
      `cannot read ${label}=${path} (${e.code ?? e.message})`,
    );
  }
}

function notPem(label: string, path: string, why: string): TlsConfigError {
  return new TlsConfigError(
    'TLS_NOT_PEM',
    `${label}=${path} is not a PEM certificate file: ${why}`,
  );
}

function checkCertificate(pem: string, label: string, path: string, now: Date): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    throw notPem(label, path, (err as Error).message);
  }
  if (new Date(cert.validTo) < now) {
    throw new TlsConfigError(
      'TLS_EXPIRED',
      `${label}=${path}: certificate "${cert.subject.replace(/\n/g, ', ')}" expired on ${cert.validTo}`,
    );
  }
  return cert;
}

function parseKey(pem: string, label: string, path: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new TlsConfigError(
      'TLS_NOT_PEM',
      `${label}=${path} is not an unencrypted PEM private key: ${(err as Error).message}`,
    );
  }
}

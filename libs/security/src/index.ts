// Public API of @sousvide/security: secrets, redaction, TLS options and broker identities. Pure
// (node:crypto and node:fs only), so every app, data-access lib and test harness can use it.
export { REDACTED, redactText, redactUrl } from './lib/redact';
export { readSecretFile, secretEnvShape, withSecretFiles } from './lib/secret-env';
export type { SecretFileReader, SecretRule } from './lib/secret-env';
export {
  loadTlsClientOptions,
  tlsClientOptionsFromEnv,
  tlsEnvShape,
  tlsFileVars,
} from './lib/tls-options';
export type { TlsClientOptions, TlsFileLabels, TlsFiles } from './lib/tls-options';
export { TlsConfigError } from './lib/tls-config.error';
export type { TlsConfigErrorCode } from './lib/tls-config.error';

// Public API of @sousvide/security: secrets, redaction, TLS options and broker identities. Pure
// (node:crypto and node:fs only), so every app, data-access lib and test harness can use it.
export { REDACTED, redactText, redactUrl } from './lib/redact';
export {
  optionalSecretEnvShape,
  readSecretFile,
  redactedErrorMessage,
  secretEnvShape,
  secretValuesOf,
  withSecretFiles,
} from './lib/secret-env';
export type { SecretFileReader, SecretRule } from './lib/secret-env';
export {
  loadTlsClientOptions,
  tlsClientOptionsFromEnv,
  tlsEnvShape,
  tlsFileVars,
} from './lib/tls-options';
export type { TlsClientOptions, TlsFileLabels, TlsFiles, TlsFileVar } from './lib/tls-options';
export { TlsConfigError } from './lib/tls-config.error';
export {
  addServiceClientIssues,
  credentialEnvShape,
  INFLUX_CLIENT,
  MQTT_CLIENT,
  passwordVar,
  REDIS_CLIENT,
  serviceAccess,
  serviceAccessFromEnv,
  serviceClientProblems,
  serviceConnection,
} from './lib/service-client';
export type {
  EnvProblem,
  ServiceAccess,
  ServiceClient,
  ServiceConnection,
} from './lib/service-client';
export type { TlsConfigErrorCode } from './lib/tls-config.error';
export {
  DEVICE_PASSWORD_SCHEME,
  devicePassword,
  FLEET_SECRET_MIN_LENGTH,
  fleetSecretFingerprint,
  generateSecret,
} from './lib/fleet/device-credentials';
export { BROKER_AUTH_FORMATS, fleetManifestSchema } from './lib/fleet/fleet-manifest';
export type { BrokerAuthFormat, FleetManifest } from './lib/fleet/fleet-manifest';
export {
  hashMosquittoPassword,
  MOSQUITTO_PBKDF2_ITERATIONS,
  DEVICE_PBKDF2_ITERATIONS,
  MOSQUITTO_SALT_BYTES,
  parsePasswordFileLine,
  passwordFileLine,
  verifyMosquittoPassword,
} from './lib/mosquitto/mosquitto-password';
export type { MosquittoPasswordHash } from './lib/mosquitto/mosquitto-password';
export { DENY_BY_DEFAULT, dynsecConfigJson } from './lib/mosquitto/dynsec-config';
export type {
  DynsecAcl,
  DynsecAclType,
  DynsecClient,
  DynsecDefaultAccess,
  DynsecRole,
} from './lib/mosquitto/dynsec-config';
export {
  aclFileText,
  CONTROL_TOPIC_FILTER,
  deviceRole,
  gatewayRole,
  monitorRole,
  SYS_PROBE_ROOT,
} from './lib/provision/broker-policy';
export { BROKER_AUTH_MOUNT } from './lib/provision/broker-files';
export { DEFAULT_MONITOR_USER, provisionFleet } from './lib/provision/provision-fleet';
export type { FleetProvisionOptions, ProvisionResult } from './lib/provision/provision-fleet';

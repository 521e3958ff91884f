import { z } from 'zod';
import { agentEnvSchema as contractSchema } from '@sousvide/loadtest-contracts';
import {
  FLEET_SECRET_MIN_LENGTH,
  optionalSecretEnvShape,
  tlsClientOptionsFromEnv,
  tlsEnvShape,
  withSecretFiles,
} from '@sousvide/security';
import { parseEnvConfig } from '@sousvide/shared-util';
import type { AgentSecurity } from '../clients/device-identity';

/** Secrets of the agent; each may come from `<NAME>_FILE`. */
export const AGENT_SECRETS = ['FLEET_SECRET'] as const;

/**
 * The agent contract's variables plus how its devices log in: FLEET_SECRET (or FLEET_SECRET_FILE;
 * no default: without it the devices connect anonymously, as before) and MQTT_TLS_CA_FILE,
 * MQTT_TLS_CERT_FILE, MQTT_TLS_KEY_FILE for an mqtts:// broker.
 */
export const agentEnvSchema = withSecretFiles(
  AGENT_SECRETS,
  contractSchema.extend({
    ...optionalSecretEnvShape(AGENT_SECRETS, {
      FLEET_SECRET: { minLength: FLEET_SECRET_MIN_LENGTH },
    }),
    ...tlsEnvShape('MQTT'),
  }),
);

export type AgentEnv = z.infer<typeof agentEnvSchema>;

/** Parses the environment once at boot; the error names every bad variable, never a secret. */
export function loadAgentEnv(env: NodeJS.ProcessEnv = process.env): AgentEnv {
  return parseEnvConfig(agentEnvSchema, env, 'sim-agent');
}

/** The devices' login settings: the fleet secret, and the TLS files read and checked now. */
export function agentSecurity(env: AgentEnv): AgentSecurity {
  return { fleetSecret: env.FLEET_SECRET, tls: tlsClientOptionsFromEnv(env, 'MQTT') };
}

export const AGENT_ENV = Symbol('AGENT_ENV');
export const AGENT_SECURITY = Symbol('AGENT_SECURITY');

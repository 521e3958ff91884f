/** The two client models an agent can drive (docs/architecture.md section 5, model cross-check). */
export const CLIENT_MODELS = ['mqttjs', 'lean'] as const;
export type ClientModel = (typeof CLIENT_MODELS)[number];

/**
 * The runbook's SIM_TASK names. `mqttLoadTest` (the general-purpose client) maps to MQTT.js;
 * `mqttLoadTestHive` (the lightweight high-connection client) maps to the lean model.
 */
export const SIM_TASK_ALIASES: Readonly<Record<string, ClientModel>> = {
  mqttLoadTest: 'mqttjs',
  mqttLoadTestHive: 'lean',
};

/** Resolves a SIM_TASK value or model name; undefined when it names neither. */
export function resolveClientModel(value: string): ClientModel | undefined {
  if ((CLIENT_MODELS as readonly string[]).includes(value)) {
    return value as ClientModel;
  }
  return SIM_TASK_ALIASES[value];
}

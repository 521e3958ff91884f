import { ClientModel } from '@sousvide/loadtest-contracts';
import { DeviceClientFactory } from './device-client';
import { createLeanClient } from './lean-client';
import { createMqttJsClient } from './mqttjs-client';

/** The client model behind each SIM_TASK value. */
export function clientFactoryFor(model: ClientModel): DeviceClientFactory {
  switch (model) {
    case 'mqttjs':
      return createMqttJsClient;
    case 'lean':
      return createLeanClient;
  }
}

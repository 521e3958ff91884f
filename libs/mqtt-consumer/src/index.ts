// Public API of @sousvide/mqtt-consumer: a lean MQTT 5 consumer with explicit acknowledgement.
export { MqttConsumer } from './lib/mqtt-consumer';
export type { CloseResult } from './lib/mqtt-consumer';
export { CONSUMER_DEFAULTS, parseBrokerUrl } from './lib/consumer-options';
export type { MqttConsumerOptions } from './lib/consumer-options';
export type { AckHandle, Delivery } from './lib/delivery';
export type { ConsumerEvent } from './lib/consumer-event';
export type { ConsumerStats } from './lib/consumer-stats';
export { MqttConsumerError } from './lib/mqtt-consumer.error';
export type { MqttConsumerErrorCode } from './lib/mqtt-consumer.error';
export { describeReasonCode } from './lib/reason-codes';

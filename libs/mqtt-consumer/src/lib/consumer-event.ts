import type { MqttConsumerError } from './mqtt-consumer.error';

/**
 * What happens to the consumer's connection, for logs and metrics. `awayMs` is the time since the
 * previous connection was lost (undefined on the first connect).
 */
export type ConsumerEvent =
  | { type: 'connected'; sessionPresent: boolean; awayMs: number | undefined }
  | { type: 'subscribed'; topicFilter: string }
  | { type: 'lost'; error: MqttConsumerError; unackedDropped: number }
  | { type: 'connect-failed'; error: MqttConsumerError; attempt: number; retryInMs: number }
  | { type: 'subscribe-failed'; error: MqttConsumerError }
  | { type: 'handler-error'; error: unknown };

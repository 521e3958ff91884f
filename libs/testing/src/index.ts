// Public API of @sousvide/testing: container harness for integration tests (type:testing only).
export { IMAGE_DEFAULTS, resolveImage } from './lib/images';
export type { ImageVar } from './lib/images';
export { startRedis } from './lib/redis';
export type { RedisOptions, RedisService } from './lib/redis';
export { startMosquitto } from './lib/mosquitto';
export type { MqttService } from './lib/mosquitto';
export { startVictoriaMetrics } from './lib/victoria-metrics';
export type { VictoriaMetricsService } from './lib/victoria-metrics';
export { readPoints, waitForPoints } from './lib/vm-points';
export { countMessages } from './lib/count-messages';
export type { MessageCounter } from './lib/count-messages';
export { freePort } from './lib/free-port';

// Public API of @sousvide/testing: container harness for integration tests (type:testing only).
export { IMAGE_DEFAULTS, resolveImage } from './lib/images';
export type { ImageVar } from './lib/images';
export { startRedis } from './lib/redis';
export type { RedisOptions, RedisService } from './lib/redis';
export { startMosquitto } from './lib/mosquitto';
export type { BrokerOutage, MosquittoOptions, MqttService } from './lib/mosquitto';
export { startVictoriaMetrics } from './lib/victoria-metrics';
export type { VictoriaMetricsService } from './lib/victoria-metrics';
export { countMessages } from './lib/count-messages';
export type { MessageCounter } from './lib/count-messages';
export { freePort } from './lib/free-port';
export { pollUntil, waitFor } from './lib/wait-for';
export type { PollOptions } from './lib/wait-for';
export { readStoredPoints, storeCaughtUp, waitForStoredPoints } from './lib/store-points';
export type { StoredPoints } from './lib/store-points';
export { reportOf, runReplayer, startReplayer } from './lib/replayer-process';
export type { ReplayerProcess, ReplayerRun } from './lib/replayer-process';
export { cookerTelemetry, publishTelemetry } from './lib/telemetry.factory';

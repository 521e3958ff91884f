import { GenericContainer, Wait } from 'testcontainers';
import { freePort } from './free-port';
import { ensureImage, resolveImage, startingImage } from './images';

export interface MqttService {
  /** mqtt://host:port */
  url: string;
  host: string;
  port: number;
  stop(): Promise<void>;
  /** Restarts the broker on the same host port (clients see a disconnect, then can reconnect). */
  restart(): Promise<void>;
}

// Written into the container so the official image (which only listens on localhost without a
// config) and our Debian image behave the same: anonymous listener on 0.0.0.0:1883, no caps.
const CONFIG_PATH = '/sousvide-mosquitto.conf';
const CONFIG = [
  'listener 1883 0.0.0.0',
  'allow_anonymous true',
  'max_connections -1',
  'max_queued_messages 100000',
  'max_inflight_messages 0',
  'persistence false',
  'log_dest stdout',
  '',
].join('\n');

/** Starts a throwaway Mosquitto 2 broker from MOSQUITTO_IMAGE (default eclipse-mosquitto:2). */
export async function startMosquitto(): Promise<MqttService> {
  const image = resolveImage('MOSQUITTO_IMAGE');
  await ensureImage('MOSQUITTO_IMAGE', image);
  // Fixed host port: a random one may change on restart(), which would break clients' URL.
  const hostPort = await freePort();
  const container = await startingImage(image, () =>
    new GenericContainer(image)
      .withExposedPorts({ container: 1883, host: hostPort })
      .withCopyContentToContainer([{ content: CONFIG, target: CONFIG_PATH, mode: 0o644 }])
      // Both images have mosquitto on PATH; the official entrypoint just execs the command.
      .withCommand(['mosquitto', '-c', CONFIG_PATH])
      // Load tests open thousands of connections; the default soft limit (1024) is too low.
      .withUlimits({ nofile: { soft: 20000, hard: 20000 } })
      .withWaitStrategy(Wait.forListeningPorts())
      .withStartupTimeout(60_000)
      .start(),
  );
  const host = container.getHost();
  const port = container.getMappedPort(1883);
  return {
    url: `mqtt://${host}:${port}`,
    host,
    port,
    stop: async () => {
      await container.stop();
    },
    restart: () => container.restart(),
  };
}

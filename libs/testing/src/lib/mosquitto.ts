import { connectAsync } from 'mqtt';
import {
  GenericContainer,
  getContainerRuntimeClient,
  StartedTestContainer,
  Wait,
} from 'testcontainers';
import { freePort } from './free-port';
import { startService } from './service';

export interface MqttService {
  /** mqtt://host:port */
  url: string;
  host: string;
  port: number;
  /** The container's id, for tools that act on it by name (docker CLI, the chaos runner). */
  containerId: string;
  stop(): Promise<void>;
  /**
   * Stops the broker (SIGTERM: a persistent broker saves its sessions), keeps it down for
   * `downMs`, starts it again on the same host port and resolves once it answers CONNECT.
   * Clients see a disconnect, refused connects while it is down, then can reconnect.
   */
  restart(options?: { downMs?: number }): Promise<BrokerOutage>;
}

/** When a restart took the broker away and when it answered again (epoch ms). */
export interface BrokerOutage {
  downAt: number;
  upAt: number;
}

export interface MosquittoOptions {
  /**
   * Keep sessions, subscriptions and queued QoS 1/2 messages across a restart (saved on SIGTERM
   * into the container's /tmp, which a restart keeps). Off by default, like the stack's broker.
   */
  persistence?: boolean;
}

// Written into the container so the official image (which only listens on localhost without a
// config) and our Debian image behave the same: anonymous listener on 0.0.0.0:1883, no caps.
const CONFIG_PATH = '/sousvide-mosquitto.conf';
const configText = (persistence: boolean): string =>
  [
    'listener 1883 0.0.0.0',
    'allow_anonymous true',
    'max_connections -1',
    'max_queued_messages 100000',
    'max_inflight_messages 0',
    ...(persistence ? ['persistence true', 'persistence_location /tmp/'] : ['persistence false']),
    'log_dest stdout',
    '',
  ].join('\n');

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

/** Starts a throwaway Mosquitto 2 broker from MOSQUITTO_IMAGE (default eclipse-mosquitto:2). */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<MqttService> {
  const CONFIG = configText(options.persistence ?? false);
  // Fixed host port: a random one may change on restart(), which would break clients' URL.
  const hostPort = await freePort();
  const { container, url, host, port, stop } = await startService(
    'MOSQUITTO_IMAGE',
    'mqtt',
    1883,
    (image) =>
      new GenericContainer(image)
        .withExposedPorts({ container: 1883, host: hostPort })
        .withCopyContentToContainer([{ content: CONFIG, target: CONFIG_PATH, mode: 0o644 }])
        // Both images have mosquitto on PATH; the official entrypoint just execs the command.
        .withCommand(['mosquitto', '-c', CONFIG_PATH])
        // Load tests open thousands of connections; the default soft limit (1024) is too low.
        .withUlimits({ nofile: { soft: 20000, hard: 20000 } })
        .withWaitStrategy(Wait.forListeningPorts()),
  );
  return {
    url,
    host,
    port,
    containerId: container.getId(),
    stop,
    restart: (o = {}) => restartContainer(container, url, o.downMs ?? 0),
  };
}

async function restartContainer(
  container: StartedTestContainer,
  url: string,
  downMs: number,
): Promise<BrokerOutage> {
  const runtime = await getContainerRuntimeClient();
  const handle = runtime.container.getById(container.getId());
  // testcontainers takes ms (10 would be 0 s: SIGKILL, no persistence file written).
  await runtime.container.stop(handle, { timeout: STOP_GRACE_MS });
  const downAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, downMs));
  await runtime.container.start(handle);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      // allowRetries false: a connection closed before CONNACK rejects instead of hanging.
      const probe = await connectAsync(
        url,
        { clientId: `restart-probe-${process.pid}`, reconnectPeriod: 0, connectTimeout: 1000 },
        false,
      );
      await probe.endAsync();
      return { downAt, upAt: Date.now() };
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`broker not back within ${READY_TIMEOUT_MS / 1000} s: ${String(err)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

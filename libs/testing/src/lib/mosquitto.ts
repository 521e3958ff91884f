import { readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { connectAsync } from 'mqtt';
import {
  GenericContainer,
  getContainerRuntimeClient,
  StartedTestContainer,
  Wait,
} from 'testcontainers';
import { freePorts } from './free-port';
import { anonymousConfigText, CONFIG_PATH, MosquittoConfig } from './mosquitto-config';
import { startService } from './service';

export interface MqttService {
  /** mqtt://host:port */
  url: string;
  host: string;
  port: number;
  /** The container's id, for tools that act on it by name (docker CLI, the chaos runner). */
  containerId: string;
  /** The host port of a container port published by `config.ports` (or 1883). */
  mappedPort(containerPort: number): number;
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
   * Applies to the harness's own configuration only.
   */
  persistence?: boolean;
  /** Run this configuration (and its files) instead of the harness's anonymous one. */
  config?: MosquittoConfig;
  /**
   * CPU quota in cores (e.g. 0.02): a broker made slow for real, whose acks fall behind an
   * offered load it cannot carry (the closed-loop tests). Default: no quota.
   */
  cpus?: number;
  /**
   * Seconds between the broker's `$SYS` updates (harness configuration only; Mosquitto's default
   * is 10). A coordinator's load test reads the broker's store figures from the next update
   * before it dispatches and at a cut-off that did not drain (ADR 0017): each read waits up to
   * two intervals, so suites that run load tests set 1 (ADR 0027).
   */
  sysIntervalSec?: number;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

/** Starts a throwaway Mosquitto 2 broker from MOSQUITTO_IMAGE (default eclipse-mosquitto:2). */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<MqttService> {
  const config = options.config;
  // Fixed host port: a random one may change on restart(), which would break clients' URL.
  const ports = [1883, ...(config?.ports ?? [])];
  const hostPorts = await freePorts(ports.length);
  const { container, url, host, port, stop } = await startService(
    'MOSQUITTO_IMAGE',
    'mqtt',
    1883,
    (image) =>
      withQuota(withConfig(new GenericContainer(image), config, options), options.cpus)
        .withExposedPorts(...ports.map((p, i) => ({ container: p, host: hostPorts[i] })))
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
    mappedPort: (containerPort) => container.getMappedPort(containerPort),
    stop,
    restart: (o = {}) => restartContainer(container, url, o.downMs ?? 0),
  };
}

function withQuota(container: GenericContainer, cpus: number | undefined): GenericContainer {
  return cpus === undefined ? container : container.withResourcesQuota({ cpu: cpus });
}

function withConfig(
  container: GenericContainer,
  config: MosquittoConfig | undefined,
  options: MosquittoOptions,
): GenericContainer {
  if (!config) {
    const text = anonymousConfigText(options.persistence ?? false, options.sysIntervalSec);
    return container.withCopyContentToContainer([
      { content: text, target: CONFIG_PATH, mode: 0o644 },
    ]);
  }
  const files = (config.copy ?? []).flatMap((c) => filesBelow(c.source, c.target));
  return container.withCopyFilesToContainer([
    { source: config.file, target: CONFIG_PATH, mode: 0o644 },
    // Mosquitto reads its files after dropping root (certificates included, in 2.0.11), so a
    // throwaway broker gets them readable by everyone; a deployment grants its group instead.
    ...files.map((f) => ({ ...f, mode: 0o644 })),
  ]);
}

/** A file, or every file below a directory, with its path in the container. */
function filesBelow(source: string, target: string): { source: string; target: string }[] {
  if (!statSync(source).isDirectory()) {
    return [{ source, target }];
  }
  return readdirSync(source).flatMap((name) =>
    filesBelow(join(source, name), posix.join(target, name)),
  );
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
      // A CONNACK refusal (an authenticated broker turning the anonymous probe away) is an answer.
      if (typeof (err as { code?: unknown }).code === 'number') {
        return { downAt, upAt: Date.now() };
      }
      if (Date.now() > deadline) {
        throw new Error(`broker not back within ${READY_TIMEOUT_MS / 1000} s: ${String(err)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

import { readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { connectAsync } from 'mqtt';
import { GenericContainer, StartedTestContainer, Wait } from 'testcontainers';
import { freePorts } from '@sousvide/shared-util';
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
   * Stops the broker process (SIGTERM: a persistent broker saves its sessions), keeps it down
   * for `downMs`, starts it again and resolves once it answers CONNECT. The container and its
   * port stay up, as a host's broker service restarting would: clients see a disconnect,
   * connects closed at once while it is down, then can reconnect.
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
const RESTART_FLAG = '/tmp/sousvide-broker.restart';
const DOWN_FLAG = '/tmp/sousvide-broker.down';
const PID_FILE = '/tmp/sousvide-broker.pid';

/**
 * The container's first process: runs Mosquitto, passes SIGTERM on (the container's stop), and
 * starts it again after an exit that {@link restartBroker} asked for, once the down flag is
 * gone; any other exit ends the container with Mosquitto's status (a bad configuration fails
 * fast). Restarting the process and not the container matters: while a container starts,
 * Docker's port proxy accepts connections and holds them until the broker listens (measured
 * up to 0.65 s quiet, seconds on a loaded host), so every reconnect made in that window would
 * complete at one instant, a herd made by the harness, not by the clients.
 */
const SUPERVISOR = [
  `trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid"; exit 0' TERM INT`,
  'while :; do',
  `  mosquitto -c ${CONFIG_PATH} & pid=$!`,
  `  echo "$pid" > ${PID_FILE}`,
  '  wait "$pid"; rc=$?',
  `  [ -e ${RESTART_FLAG} ] || exit "$rc"`,
  `  while [ -e ${DOWN_FLAG} ]; do sleep 0.05; done`,
  `  rm -f ${RESTART_FLAG}`,
  'done',
].join('\n');

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
        // Both images have mosquitto and sh on PATH; the official entrypoint execs the command.
        .withCommand(['sh', '-c', SUPERVISOR])
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
    restart: (o = {}) => restartBroker(container, url, o.downMs ?? 0),
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

async function restartBroker(
  container: StartedTestContainer,
  url: string,
  downMs: number,
): Promise<BrokerOutage> {
  // SIGTERM, then wait for the process to be gone (a persistent broker has saved its sessions).
  await execOrThrow(container, [
    `touch ${RESTART_FLAG} ${DOWN_FLAG}`,
    `pid=$(cat ${PID_FILE})`,
    'kill -TERM "$pid"',
    // Bounded (600 x 50 ms): a broker that ignores SIGTERM fails the step with a message.
    'i=0; while kill -0 "$pid" 2>/dev/null; do i=$((i + 1)); if [ "$i" -ge 600 ]; then echo "mosquitto (pid $pid) still runs 30 s after SIGTERM"; exit 1; fi; sleep 0.05; done',
  ]);
  const downAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, downMs));
  await execOrThrow(container, [`rm -f ${DOWN_FLAG}`]);
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

async function execOrThrow(container: StartedTestContainer, lines: string[]): Promise<void> {
  const { exitCode, output } = await container.exec(['sh', '-c', lines.join('\n')]);
  if (exitCode !== 0) {
    throw new Error(`broker restart step failed (exit ${exitCode}): ${output.trim()}`);
  }
}

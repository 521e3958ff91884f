import {
  DEVICE_ID_PREFIX,
  deviceIdOf,
  emptyFailureCounts,
  FAILURE_CLASSES,
  FailureClass,
  PartitionProgress,
  PartitionResult,
  PartitionSpec,
  PhaseSchedule,
  RECONNECT_BACKOFF_DEFAULTS,
} from '@sousvide/loadtest-contracts';
import { LatencyHistogram } from '@sousvide/shared-util';
import type { PartitionFigures } from '../metrics/agent-metrics';
import { DeviceClient, DeviceClientFactory } from '../clients/device-client';
import type { AgentSecurity } from '../clients/device-identity';
import { ClosedLoop } from './closed-loop';
import { driveSchedule } from './schedule-driver';
import { connectDevices, endDevices } from './connect-phase';
import type { ConnectWindow } from './connect-window';
import { DeviceFleet } from './device-fleet';
import { DeviceReconnector } from './device-reconnector';
import { idleGeneratorHealth, measureGeneratorHealth } from './generator-health';
import {
  connectedLine,
  connectFailureLine,
  doneLine,
  progressLine,
  reconnectsLine,
  startLine,
} from './partition-log';
import { PublishLedger } from './publish-ledger';

/** What the runner needs from its surroundings: a client model, the barrier and reporting. */
export interface PartitionRunnerPorts {
  clientFactory: DeviceClientFactory;
  /** The agent process's CONNECT window, shared by all its partitions (ADR 0056). */
  connectWindow: ConnectWindow;
  /** The agent's fleet secret and TLS options (its environment's, never the job's). */
  security: AgentSecurity;
  agentId: string;
  /** Fire-and-forget progress (the BullMQ job's progress). */
  report(progress: PartitionProgress): void;
  /** One line of the part log. */
  log(line: string): void;
  /** Resolves with the common start time, or undefined when the attempt was aborted. */
  waitForStart(): Promise<number | undefined>;
  /** Cheap check (cached) of the attempt's abort flag. */
  isAborted(): boolean;
}

const SWEEP_MS = 200;
/** Lost connections logged one by one; a broker restart loses them all, the rest are counted. */
const LOGGED_LOSSES = 10;

/**
 * Executes one partition: connect N devices with bounded parallelism, wait at the barrier,
 * publish on the open-loop phase schedule, drain acks, disconnect, and account for every
 * scheduled message as published or failed by class.
 */
export class PartitionRunner {
  private readonly clients: (DeviceClient | undefined)[];
  /** Failure class index + 1 of a device that is not connected (0 = fine). */
  private readonly deviceFault: Uint8Array;
  private readonly reconnector: DeviceReconnector;
  private readonly ledger: PublishLedger;
  private readonly connectLatency = new LatencyHistogram();
  private readonly scheduleLag = new LatencyHistogram();
  private readonly connectFailures = emptyFailureCounts();
  private readonly disconnects = emptyFailureCounts();
  /** Refused CONNACKs by the broker's reason (a handful of distinct messages at most). */
  private readonly connectRejections: Record<string, number> = {};
  private readonly deviceIds: string[];
  private phase: PartitionProgress['phase'] = 'connecting';
  private connected = 0;
  private connectFailed = 0;
  private controlReceived = 0;
  private publishing = false;
  private loggedLosses = 0;
  /** Set for a closed-loop part while it publishes (ADR 0019). */
  private closedLoop?: ClosedLoop;
  private schedule?: PhaseSchedule;
  private fleet?: DeviceFleet;
  private due = 0;
  /** Largest schedule lag since the last progress report (the series' per-second lag). */
  private lagMaxMs = 0;

  constructor(
    private readonly spec: PartitionSpec,
    private readonly ports: PartitionRunnerPorts,
  ) {
    this.clients = new Array<DeviceClient | undefined>(spec.connections);
    this.deviceFault = new Uint8Array(spec.connections);
    this.deviceIds = Array.from({ length: spec.connections }, (_, k) =>
      deviceIdOf(DEVICE_ID_PREFIX, spec.deviceOffset + k),
    );
    this.ledger = new PublishLedger(spec.publishTimeoutMs, (slot, acked) =>
      this.settleWindow(slot, acked),
    );
    this.reconnector = new DeviceReconnector(
      spec.reconnect ?? RECONNECT_BACKOFF_DEFAULTS,
      (k) => this.reconnect(k),
      (k) => {
        this.deviceFault[k] = 0;
      },
    );
  }

  async run(): Promise<PartitionResult> {
    const s = this.spec;
    const progressTimer = setInterval(() => this.tickProgress(), 1000);
    try {
      this.ports.log(startLine(s, this.ports.agentId));
      const connectStartedAt = Date.now();
      const connectHealth = (await measureGeneratorHealth('connect', () => this.connectAll()))
        .health;
      const connectEndedAt = Date.now();
      this.phase = 'connected';
      this.ports.log(
        connectedLine({
          connected: this.connected,
          devices: s.connections,
          ms: connectEndedAt - connectStartedAt,
          failed: this.connectFailed,
          failures: this.connectFailures,
          health: connectHealth,
        }),
      );
      this.report();
      const startAt = await this.ports.waitForStart();
      const schedule =
        startAt === undefined
          ? undefined
          : new PhaseSchedule(s.connections, s.mps, s.durationSec, startAt);
      let scheduled = 0;
      let publishStartedAt = Date.now();
      let publishEndedAt = publishStartedAt;
      let health = idleGeneratorHealth();
      if (schedule) {
        this.ports.log(
          `start at ${new Date(schedule.startAt).toISOString()}: ${schedule.total} messages, period ${schedule.periodMs.toFixed(1)} ms`,
        );
        publishStartedAt = schedule.startAt;
        const measured = await measureGeneratorHealth(
          'publish',
          () => this.publishAll(schedule),
          () => this.scheduleLag.stats().p99,
        );
        scheduled = measured.value;
        health = measured.health;
        publishEndedAt = Date.now();
        this.phase = 'draining';
        await this.ledger.drain(() => this.ports.isAborted());
      } else {
        this.ports.log('attempt aborted before the start: nothing published');
      }
      this.phase = 'done';
      this.reconnector.stop();
      await this.endAll();
      const aborted = startAt === undefined || scheduled < (schedule?.total ?? 0);
      const reconnects = this.reconnector.toJSON();
      const lost = reconnectsLine(reconnects);
      if (lost !== undefined) {
        this.ports.log(lost);
      }
      this.ports.log(
        doneLine({
          published: this.ledger.published,
          failed: this.ledger.failed,
          scheduled,
          ackP95: this.ledger.ackLatency.stats().p95,
          lagP95: this.scheduleLag.stats().p95,
          health,
          aborted,
        }),
      );
      this.report();
      return {
        runId: s.runId,
        attempt: s.attempt,
        part: s.part,
        agentId: this.ports.agentId,
        model: s.model,
        qos: s.qos,
        devices: s.connections,
        connected: this.connected,
        connectFailed: this.connectFailed,
        connectStartedAt,
        connectEndedAt,
        scheduled,
        published: this.ledger.published,
        failed: this.ledger.failed,
        publishStartedAt,
        publishEndedAt,
        connectFailures: this.connectFailures,
        ...(Object.keys(this.connectRejections).length > 0
          ? { connectRejections: this.connectRejections }
          : {}),
        publishFailures: this.ledger.failures,
        disconnects: this.disconnects,
        connectLatency: this.connectLatency.toJSON(),
        ackLatency: this.ledger.ackLatency.toJSON(),
        scheduleLag: this.scheduleLag.toJSON(),
        controlReceived: this.controlReceived,
        generator: health,
        connectGenerator: connectHealth,
        aborted,
        reconnects,
        ...(this.closedLoop
          ? { closedLoop: this.closedLoop.stats(schedule ? schedule.total / s.connections : 0) }
          : {}),
      };
    } finally {
      clearInterval(progressTimer);
      this.reconnector.stop();
      await this.endAll();
    }
  }

  private connectAll(): Promise<void> {
    return connectDevices(this.spec, this.deviceIds, this.ports.connectWindow, {
      clientFactory: this.ports.clientFactory,
      security: this.ports.security,
      isAborted: () => this.ports.isAborted(),
      log: (line) => this.ports.log(line),
      onConnected: (k, client, latencyMs) => {
        this.connectLatency.recordMs(latencyMs);
        this.clients[k] = client;
        this.connected += 1;
      },
      onFailed: (k, cls, err) => {
        const id = this.deviceIds[k];
        const why = connectFailureLine(id, cls, err, this.connectRejections, this.connectFailures);
        if (why !== undefined) {
          this.ports.log(why);
        }
        this.markFault(k, cls);
        this.connectFailures[cls] += 1;
        this.connectFailed += 1;
      },
      onDisconnect: (k, cls) => this.onDisconnect(k, cls),
      onControl: () => {
        this.controlReceived += 1;
      },
    });
  }

  /** Publishes every due message; returns how many messages were scheduled (all, unless aborted). */
  private publishAll(schedule: PhaseSchedule): Promise<number> {
    this.phase = 'publishing';
    this.publishing = true;
    const fleet = new DeviceFleet(this.deviceIds, this.spec.runId, 0x9e3779b9 ^ this.spec.part);
    this.schedule = schedule;
    this.fleet = fleet;
    const loop =
      this.spec.loop === 'closed'
        ? new ClosedLoop(this.spec.connections, this.spec.window ?? 1, (slot, k) =>
            this.sendClosed(slot, k),
          )
        : undefined;
    this.closedLoop = loop;
    const sweeper = setInterval(() => this.ledger.sweep(), SWEEP_MS);
    return driveSchedule(schedule, {
      isAborted: () => this.ports.isAborted(),
      due: (slot, k, intended, now) => {
        this.scheduleLag.recordMs(now - intended);
        this.lagMaxMs = Math.max(this.lagMaxMs, now - intended);
        this.due = slot + 1;
        if (!loop) {
          this.publishOne(slot, k, fleet, schedule.seqOf(slot), Math.round(intended), now);
        } else if (loop.admit(k, slot)) {
          this.sendClosed(slot, k);
        }
      },
    }).finally(() => {
      clearInterval(sweeper);
      this.publishing = false;
      loop?.close();
    });
  }

  private publishOne(
    i: number,
    k: number,
    fleet: DeviceFleet,
    seq: number,
    ts: number,
    now: number,
  ): void {
    const client = this.clients[k];
    if (!client || !client.connected) {
      this.ledger.fail(this.faultOf(k));
      this.closedLoop?.settled(k, false);
      return;
    }
    this.ledger.send(i, now);
    client.publish(fleet.payload(k, seq, ts), this.spec.qos, i, this.ledger.onPublished);
  }

  /**
   * A closed loop's send: the device's next seq, stamped with the real send time (the delay the
   * window imposed is the system's answer, not end-to-end latency of the message).
   */
  private sendClosed(slot: number, k: number): void {
    const loop = this.closedLoop;
    if (!loop || !this.fleet) {
      return;
    }
    const now = Date.now();
    this.publishOne(slot, k, this.fleet, loop.nextSeq(k), now, now);
  }

  private settleWindow(slot: number, acked: boolean): void {
    if (this.closedLoop && this.schedule) {
      this.closedLoop.settled(this.schedule.deviceOf(slot), acked);
    }
  }

  /**
   * A lost connection is counted by class and brought back with backoff. Its unacked publishes
   * stay in flight: the client resends them after the reconnect, and the sweep fails those that
   * get no ack within the publish timeout. Sends falling due meanwhile fail as not_connected.
   */
  private onDisconnect(k: number, cls: FailureClass): void {
    this.disconnects[cls] += 1;
    this.markFault(k, 'not_connected');
    if (this.loggedLosses < LOGGED_LOSSES) {
      this.loggedLosses += 1;
      const more = this.loggedLosses === LOGGED_LOSSES ? ' (further losses: progress lines)' : '';
      this.ports.log(`device ${this.deviceIds[k]} lost its connection: ${cls}${more}`);
    }
    this.reconnector.lost(k);
  }

  private reconnect(k: number): Promise<void> {
    const client = this.clients[k];
    return client
      ? client.connect()
      : Promise.reject(new Error('device ended before its reconnect'));
  }

  private markFault(k: number, cls: FailureClass): void {
    this.deviceFault[k] = FAILURE_CLASSES.indexOf(cls) + 1;
  }

  private faultOf(k: number): FailureClass {
    const idx = this.deviceFault[k];
    return idx === 0 ? 'broker_disconnect' : FAILURE_CLASSES[idx - 1];
  }

  private endAll(): Promise<void> {
    return endDevices(this.clients, this.spec.connectParallelism);
  }

  /** The agent's /metrics view while this runs (live objects: read at a scrape, never kept). */
  figures(): PartitionFigures {
    const live = this.phase !== 'done';
    const { connections } = this.spec;
    return {
      connecting:
        this.phase === 'connecting' ? connections - this.connected - this.connectFailed : 0,
      open: live ? this.connected - this.reconnector.offline : 0,
      reconnecting: live ? this.reconnector.offline : 0,
      due: this.due,
      sent: this.ledger.sent,
      acked: this.ledger.published,
      failures: this.ledger.failures,
      ackLatency: this.ledger.ackLatency,
      scheduleLag: this.scheduleLag,
    };
  }

  private tickProgress(): void {
    this.report();
    if (this.publishing) {
      this.ports.log(progressLine(this.ledger, this.reconnector, this.scheduleLag));
    }
  }

  private report(): void {
    this.ports.report({
      phase: this.phase,
      agentId: this.ports.agentId,
      connected: this.connected,
      connectFailed: this.connectFailed,
      published: this.ledger.published,
      failed: this.ledger.failed,
      online: this.connected - this.reconnector.offline,
      due: this.due,
      publishFailures: { ...this.ledger.failures },
      lagMaxMs: Math.round(this.lagMaxMs),
      at: Date.now(),
    });
    this.lagMaxMs = 0;
  }
}

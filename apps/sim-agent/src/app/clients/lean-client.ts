import * as net from 'node:net';
import * as mqttPacket from 'mqtt-packet';
import { classifyError } from '@sousvide/loadtest-contracts';
import type { DeviceClient, DeviceClientFactory, DeviceClientOptions } from './device-client';

type CodedError = Error & { code?: string };
/**
 * An id awaiting its ack. Publishes keep their packet, so a reconnect can send them again; `released`
 * marks a QoS 2 publish whose PUBREC came, which a reconnect continues with PUBREL instead.
 */
type PendingAck = {
  resolve: () => void;
  reject: (err: Error) => void;
  publish?: mqttPacket.IPublishPacket;
  released?: boolean;
};

const PROTOCOL = { protocolVersion: 4 } as const;
// Constant packets are generated once and shared by every client: 10k clients pinging
// would otherwise allocate 10k identical buffers per keepalive period.
const PINGREQ = mqttPacket.generate({ cmd: 'pingreq' }, PROTOCOL);
const DISCONNECT = mqttPacket.generate({ cmd: 'disconnect' }, PROTOCOL);
const END_GRACE_MS = 1000;
// Floor for re-arming the keepalive timer, so one that fires a millisecond early cannot spin.
const MIN_TIMER_MS = 5;

const codedError = (message: string, code: string): CodedError =>
  Object.assign(new Error(message), { code });

/** Keeps a socket error's own code; stream-internal codes carry no cause, so they become a reset. */
function asConnectionError(err: Error): CodedError {
  const code = (err as CodedError).code;
  if (code !== undefined && !code.startsWith('ERR_')) {
    return err;
  }
  return codedError(`connection lost: ${err.message}`, 'ECONNRESET');
}

/**
 * The "lean" client model: MQTT 3.1.1 spoken directly over one `net.Socket` with one
 * mqtt-packet parser, for 10k+ simulated devices per process.
 *
 * Per-client state is deliberately small: no outgoing queue (the socket buffers under
 * backpressure), no per-publish timer (the partition runner sweeps publish timeouts), one
 * keepalive timer, and a `Map` of packet id to `{resolve, reject, packet}` for unacknowledged
 * QoS 1/2 publishes and the control subscription. Incoming QoS 2 uses the "deliver on PUBLISH"
 * method, so it needs no state either. Errors carry the `code` or message that `classifyError`
 * maps to the right failure class.
 *
 * Sessions are persistent (clean session 0, the same client id on every connect): after a lost
 * connection, `connect()` may be called again; the publishes still awaiting their ack stay
 * pending and are sent again with DUP set once the CONNACK arrives (MQTT 3.1.1, 4.4), and the
 * control subscription is renewed when the broker lost the session.
 */
export class LeanClient implements DeviceClient {
  /** Set while a connection is being opened or is open; events of any other socket are stale. */
  private socket: net.Socket | undefined;
  private isConnected = false;
  private readonly pending = new Map<number, PendingAck>();
  private lastPacketId = 0;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private lastWriteAt = 0;
  private lastReadAt = 0;
  /** Set once the control subscription succeeded: a lost session then needs it again. */
  private controlSubscribed = false;

  constructor(private readonly options: DeviceClientOptions) {}

  get connected(): boolean {
    return this.isConnected;
  }

  connect(): Promise<void> {
    if (this.socket !== undefined) {
      return Promise.reject(new Error('connect() while a connection is already open'));
    }
    const { host, port, clientId, keepaliveSec, connectTimeoutMs } = this.options;
    return new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      const parser = mqttPacket.parser(PROTOCOL);
      this.socket = socket;
      let settled = false;
      // Until CONNACK every failure belongs to this promise, even after end() detached the socket.
      const fail = (err: Error): void => {
        if (settled) {
          return;
        }
        settled = true;
        clearTimeout(timer);
        if (this.socket === socket) {
          this.socket = undefined;
        }
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => {
        fail(codedError(`no CONNACK within ${connectTimeoutMs} ms`, 'CONNECT_TIMEOUT'));
      }, connectTimeoutMs);

      socket.on('data', (chunk: Buffer) => {
        if (this.socket === socket) {
          parser.parse(chunk);
        }
      });
      // Before CONNACK a lost socket fails connect(); after it, only the current socket counts.
      const gone = (err: Error): void => {
        if (!settled) {
          fail(err);
        } else if (this.socket === socket) {
          this.lose(asConnectionError(err));
        }
      };
      socket.on('error', gone);
      socket.on('close', () => {
        const why = settled ? 'connection closed by broker' : 'connection closed before CONNACK';
        gone(codedError(why, 'ECONNRESET'));
      });
      parser.on('error', (err: Error) => gone(new Error(`malformed packet: ${err.message}`)));
      parser.on('packet', (packet: mqttPacket.Packet) => {
        if (this.socket !== socket) {
          return;
        }
        this.lastReadAt = Date.now();
        if (settled) {
          this.onPacket(socket, packet);
          return;
        }
        if (packet.cmd !== 'connack') {
          return;
        }
        const rc = packet.returnCode ?? 0;
        if (rc !== 0) {
          fail(new Error(`connack rejected: rc=${rc}`));
          return;
        }
        settled = true;
        clearTimeout(timer);
        this.isConnected = true;
        this.armKeepalive(keepaliveSec * 1000);
        this.resendPending(socket);
        if (!packet.sessionPresent && this.controlSubscribed) {
          // Failure is logged by no one on purpose: the device still publishes without it.
          this.subscribeControl().catch(() => undefined);
        }
        resolve();
      });

      this.send(socket, {
        cmd: 'connect',
        protocolVersion: 4,
        clientId,
        clean: false,
        keepalive: keepaliveSec,
      });
    });
  }

  async subscribeControl(): Promise<void> {
    const subscriptions = [{ topic: this.options.controlTopic, qos: 1 as const }];
    await this.request(true, (messageId) => ({ cmd: 'subscribe', messageId, subscriptions }));
    this.controlSubscribed = true;
  }

  publish(topic: string, payload: Buffer, qos: 0 | 1 | 2): Promise<void> {
    return this.request(qos !== 0, (messageId) => {
      return { cmd: 'publish', messageId, topic, payload, qos, dup: false, retain: false };
    });
  }

  end(): Promise<void> {
    const socket = this.socket;
    // Between reconnects there is no socket, but publishes may still await a resend.
    this.rejectPending(new Error('client ended'));
    if (socket === undefined) {
      return Promise.resolve();
    }
    // Detaching first turns the socket's later events into no-ops, so no onDisconnect.
    const wasConnected = this.isConnected;
    this.socket = undefined;
    this.isConnected = false;
    this.stopKeepalive();
    if (!wasConnected || socket.destroyed) {
      socket.destroy();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, END_GRACE_MS);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end(DISCONNECT);
    });
  }

  /**
   * Sends a packet that the broker acknowledges by packet id (QoS 1/2 PUBLISH, SUBSCRIBE) or,
   * unacked (QoS 0), settles once the socket has written it.
   */
  private request(acked: boolean, build: (id: number) => mqttPacket.Packet): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || !this.isConnected) {
      return Promise.reject(codedError('not connected', 'ECONNRESET'));
    }
    const messageId = acked ? this.nextPacketId() : 0;
    if (acked && messageId === 0) {
      return Promise.reject(new Error('all 65535 packet ids are awaiting an ack'));
    }
    return new Promise<void>((resolve, reject) => {
      const packet = build(messageId);
      // Generated before registering, so a packet mqtt-packet refuses leaves no pending entry.
      const bytes = mqttPacket.generate(packet, PROTOCOL);
      this.lastWriteAt = Date.now();
      // Backpressure (write returning false) is ignored on purpose: Node buffers, nothing drops,
      // and the caller's publish timeout sweep is what notices a broker that stopped reading.
      if (acked) {
        const publish = packet.cmd === 'publish' ? packet : undefined;
        this.pending.set(messageId, { resolve, reject, publish });
        socket.write(bytes);
        return;
      }
      socket.write(bytes, (err) => (err ? reject(asConnectionError(err)) : resolve()));
    });
  }

  /** Next free id in 1..65535, wrapping; 0 when every id is still pending. */
  private nextPacketId(): number {
    for (let tries = 0; tries < 65535; tries++) {
      this.lastPacketId = this.lastPacketId >= 65535 ? 1 : this.lastPacketId + 1;
      if (!this.pending.has(this.lastPacketId)) {
        return this.lastPacketId;
      }
    }
    return 0;
  }

  private onPacket(socket: net.Socket, packet: mqttPacket.Packet): void {
    switch (packet.cmd) {
      case 'puback':
      case 'pubcomp':
        this.take(packet.messageId)?.resolve();
        return;
      case 'pubrec': {
        // The publish stays pending until PUBCOMP; PUBREL is owed even for an unknown id.
        const ack = this.pending.get(packet.messageId ?? 0);
        if (ack) {
          ack.released = true;
        }
        this.send(socket, { cmd: 'pubrel', messageId: packet.messageId });
        return;
      }
      case 'suback':
        if (packet.granted[0] === 0x80) {
          this.take(packet.messageId)?.reject(new Error('subscribe rejected by broker'));
        } else {
          this.take(packet.messageId)?.resolve();
        }
        return;
      case 'publish':
        if (packet.topic === this.options.controlTopic) {
          this.options.onControl();
        }
        if (packet.qos === 1) {
          this.send(socket, { cmd: 'puback', messageId: packet.messageId });
        } else if (packet.qos === 2) {
          this.send(socket, { cmd: 'pubrec', messageId: packet.messageId });
        }
        return;
      case 'pubrel':
        this.send(socket, { cmd: 'pubcomp', messageId: packet.messageId });
        return;
      case 'disconnect':
        this.lose(codedError('disconnect packet from broker', 'ECONNRESET'));
        return;
      case 'pingresp':
      case 'connack':
      case 'connect':
      case 'subscribe':
      case 'unsubscribe':
      case 'unsuback':
      case 'pingreq':
      case 'auth':
        // PINGRESP only refreshes lastReadAt; the rest are not sent to a 3.1.1 client.
        return;
    }
  }

  /** Removes and returns the pending ack for an id (never 0, so 0 stands in for "none"). */
  private take(messageId: number | undefined): PendingAck | undefined {
    const ack = this.pending.get(messageId ?? 0);
    this.pending.delete(messageId ?? 0);
    return ack;
  }

  /**
   * Loss of an established connection: reported once, since the socket is detached first.
   * Publishes stay pending for a reconnect to resend; a subscription in flight fails.
   */
  private lose(err: Error): void {
    const socket = this.socket;
    if (socket === undefined) {
      return;
    }
    this.socket = undefined;
    this.isConnected = false;
    this.stopKeepalive();
    socket.destroy();
    this.rejectPending(err, (ack) => ack.publish === undefined);
    this.options.onDisconnect(classifyError(err), err);
  }

  private rejectPending(err: Error, which: (ack: PendingAck) => boolean = () => true): void {
    const rejected: PendingAck[] = [];
    for (const [id, ack] of this.pending) {
      if (which(ack)) {
        this.pending.delete(id);
        rejected.push(ack);
      }
    }
    for (const ack of rejected) {
      ack.reject(err);
    }
  }

  /** After a CONNACK: what awaited an ack on the lost connection goes out again, in id order. */
  private resendPending(socket: net.Socket): void {
    for (const [messageId, ack] of this.pending) {
      if (ack.released) {
        this.send(socket, { cmd: 'pubrel', messageId });
      } else if (ack.publish) {
        this.send(socket, { ...ack.publish, dup: true });
      }
    }
  }

  private send(socket: net.Socket, packet: mqttPacket.Packet): void {
    this.lastWriteAt = Date.now();
    socket.write(mqttPacket.generate(packet, PROTOCOL));
  }

  private armKeepalive(delayMs: number): void {
    if (this.options.keepaliveSec <= 0) {
      return;
    }
    // The client is passed as a timer argument instead of a closure: one less object per client.
    const delay = Math.max(delayMs, MIN_TIMER_MS);
    this.keepaliveTimer = setTimeout(LeanClient.keepaliveTick, delay, this).unref();
  }

  private stopKeepalive(): void {
    clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
  }

  private static keepaliveTick(client: LeanClient): void {
    if (client.socket === undefined || !client.isConnected) {
      return;
    }
    const keepaliveMs = client.options.keepaliveSec * 1000;
    const deadMs = keepaliveMs * 1.5;
    const now = Date.now();
    const silentMs = now - client.lastReadAt;
    if (silentMs >= deadMs) {
      client.lose(new Error(`keepalive timeout: nothing received for ${silentMs} ms`));
      return;
    }
    if (now - client.lastWriteAt >= keepaliveMs) {
      client.lastWriteAt = now;
      client.socket.write(PINGREQ);
    }
    client.armKeepalive(
      Math.min(client.lastWriteAt + keepaliveMs, client.lastReadAt + deadMs) - now,
    );
  }
}

export const createLeanClient: DeviceClientFactory = (options) => new LeanClient(options);

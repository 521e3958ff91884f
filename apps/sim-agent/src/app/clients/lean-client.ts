import type * as net from 'node:net';
import { classifyError, connackRejectedError } from '@sousvide/loadtest-contracts';
import { type FrameSink, FrameSplitter, MQTT_MALFORMED_LENGTH } from '@sousvide/mqtt-frames';
import type {
  ConnectOptions,
  DeviceClient,
  DeviceClientFactory,
  DeviceClientOptions,
  PublishDone,
} from './device-client';
import { type KeepaliveActions, LeanKeepalive } from './lean-keepalive';
import { asConnectionError, codedError, type LeanSocketSink, openLeanSocket } from './lean-socket';
import { PendingAcks } from './pending-acks';
import {
  DISCONNECT,
  DUP_FLAG,
  encodeAck,
  encodeConnect,
  encodePublish,
  encodeSubscribe,
  encodeTopic,
  PACKET,
  PINGREQ,
} from './lean-codec';

/** The connect() waiting for its CONNACK. */
interface Opening {
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const END_GRACE_MS = 1000;

/**
 * The "lean" client model: MQTT 3.1.1 spoken directly over one `net.Socket`, for 10k+ simulated
 * devices per process. Packets are encoded by hand (lean-codec), reads land in one shared buffer
 * (`onread`) and are framed in place (@sousvide/mqtt-frames), and a publish settles through a
 * callback with the caller's token.
 *
 * Per-client state is deliberately small: no outgoing queue (the socket buffers under
 * backpressure), no per-publish timer (the partition runner sweeps publish timeouts), one
 * keepalive timer, and a `Map` of packet id to pending ack for unacknowledged QoS 1/2 publishes
 * and the control subscription. Incoming QoS 2 uses the "deliver on PUBLISH" method, so it needs no
 * state either. Errors carry the `code` or message that `classifyError` maps to a failure class.
 *
 * Sessions are persistent (clean session 0, the same client id on every connect): after a lost
 * connection, `connect()` may be called again; the publishes still awaiting their ack stay
 * pending and are sent again with DUP set once the CONNACK arrives (MQTT 3.1.1, 4.4), and the
 * control subscription is renewed when the broker lost the session.
 */
export class LeanClient implements DeviceClient, FrameSink, LeanSocketSink, KeepaliveActions {
  /** Set while a connection is being opened or is open; events of any other socket are stale. */
  private socket: net.Socket | undefined;
  private opening: Opening | undefined;
  private isConnected = false;
  private readonly pending = new PendingAcks();
  /** Reads land in READ_BUFFER, which the next read overwrites: a held partial packet is copied. */
  private readonly frames = new FrameSplitter(this, { copyHeld: true });
  private readonly topic: Buffer;
  private readonly keepalive: LeanKeepalive;
  /** Set once the control subscription succeeded: a lost session then needs it again. */
  private controlSubscribed = false;
  /** The control subscription sent with the CONNECT, until subscribeControl() takes it. */
  private controlWithConnect: Promise<void> | undefined;

  constructor(private readonly options: DeviceClientOptions) {
    this.topic = encodeTopic(options.telemetryTopic);
    // The client is its keepalive's and its sockets' sink: no closures per client or connection.
    this.keepalive = new LeanKeepalive(options.keepaliveSec, this);
  }

  get connected(): boolean {
    return this.isConnected;
  }

  connect(connectOptions?: ConnectOptions): Promise<void> {
    if (this.socket !== undefined) {
      return Promise.reject(new Error('connect() while a connection is already open'));
    }
    const { clientId, keepaliveSec, connectTimeoutMs, credentials } = this.options;
    // A subscription sent with an earlier attempt is that attempt's (settled or failed with it).
    this.controlWithConnect = undefined;
    return new Promise<void>((resolve, reject) => {
      this.frames.reset();
      const socket = this.open();
      this.socket = socket;
      const timer = setTimeout(() => {
        this.failOpening(
          socket,
          codedError(`no CONNACK within ${connectTimeoutMs} ms`, 'CONNECT_TIMEOUT'),
        );
      }, connectTimeoutMs);
      this.opening = { resolve, reject, timer };
      // Before CONNACK a lost socket fails connect(); after it, only the current socket counts.
      const gone = (err: Error): void => {
        if (!this.failOpening(socket, err) && this.socket === socket) {
          this.lose(asConnectionError(err));
        }
      };
      socket.on('error', gone);
      socket.on('close', () => {
        // Every socket end() closed lands here too: no error (and stack trace) for a stale one.
        if (this.socket !== socket) {
          return;
        }
        const why = this.isConnected
          ? 'connection closed by broker'
          : 'connection closed before CONNACK';
        gone(codedError(why, 'ECONNRESET'));
      });
      const connect = encodeConnect(clientId, keepaliveSec, false, credentials);
      // The control SUBSCRIBE with the CONNECT: a failed CONNECT or a lost socket rejects it
      // (failOpening), and subscribeControl() hands it out instead of sending another.
      const control =
        connectOptions?.subscribeControl === true && !this.controlSubscribed
          ? this.controlSubscription()
          : undefined;
      if (control !== undefined) {
        // Whoever never asks for it must not see an unhandled rejection.
        control.subscribed.catch(() => undefined);
        this.controlWithConnect = control.subscribed;
      }
      // One write (and on loopback one system call that runs the broker's receive too) for both:
      // the ramp's CPU per connection is mostly such calls (docs/benchmarks.md).
      this.write(
        socket,
        control === undefined ? connect : Buffer.concat([connect, control.packet]),
      );
    });
  }

  /**
   * A control SUBSCRIBE: its packet, and its SUBACK awaited as a pending ack, which marks the
   * client subscribed. Undefined when every message id is in use.
   */
  private controlSubscription(): { packet: Buffer; subscribed: Promise<void> } | undefined {
    const messageId = this.pending.nextId();
    if (messageId === 0) {
      return undefined;
    }
    const subscribed = new Promise<void>((resolve, reject) => {
      const done: PublishDone = (_token, err) => (err ? reject(err) : resolve());
      this.pending.add(messageId, { token: 0, done, bytes: undefined, released: false });
    }).then(() => {
      this.controlSubscribed = true;
    });
    return { packet: encodeSubscribe(messageId, this.options.controlTopic, 1), subscribed };
  }

  private open(): net.Socket {
    return openLeanSocket(this.options, this);
  }

  /** A socket's bytes (LeanSocketSink), while it is this client's current one: stale ones are ignored. */
  onSocketBytes(socket: net.Socket, buf: Buffer, length: number): void {
    if (this.socket === socket) {
      this.keepalive.read();
      this.frames.feed(buf, length);
    }
  }

  /** Nothing written for a keepalive period (KeepaliveActions). */
  ping(): void {
    this.socket?.write(PINGREQ);
  }

  /** Nothing read for 1.5 periods (KeepaliveActions). */
  dead(silentMs: number): void {
    this.lose(new Error(`keepalive timeout: nothing received for ${silentMs} ms`));
  }

  subscribeControl(): Promise<void> {
    const withConnect = this.controlWithConnect;
    if (withConnect !== undefined) {
      this.controlWithConnect = undefined;
      return withConnect;
    }
    const socket = this.socket;
    // Connected, with a free message id (all 65,535 in flight counts as not connected, as before).
    const control = socket && this.isConnected ? this.controlSubscription() : undefined;
    if (socket === undefined || control === undefined) {
      return Promise.reject(codedError('not connected', 'ECONNRESET'));
    }
    this.write(socket, control.packet);
    return control.subscribed;
  }

  publish(payload: string, qos: 0 | 1 | 2, token: number, done: PublishDone): void {
    const socket = this.socket;
    if (socket === undefined || !this.isConnected) {
      done(token, codedError('not connected', 'ECONNRESET'));
      return;
    }
    const messageId = qos === 0 ? 0 : this.pending.nextId();
    if (qos !== 0 && messageId === 0) {
      done(token, new Error('all 65535 packet ids are awaiting an ack'));
      return;
    }
    const bytes = encodePublish(this.topic, qos, messageId, payload);
    this.keepalive.wrote();
    // Backpressure (write returning false) is ignored on purpose: Node buffers, nothing drops,
    // and the caller's publish timeout sweep is what notices a broker that stopped reading.
    if (qos === 0) {
      socket.write(bytes, (err) => done(token, err ? asConnectionError(err) : undefined));
      return;
    }
    this.pending.add(messageId, { token, done, bytes, released: false });
    socket.write(bytes);
  }

  end(): Promise<void> {
    const socket = this.socket;
    // Between reconnects there is no socket, but publishes may still await a resend.
    this.pending.reject(new Error('client ended'));
    if (socket === undefined) {
      return Promise.resolve();
    }
    // Detaching first turns the socket's later events into no-ops, so no onDisconnect.
    this.failOpening(socket, codedError('client ended before CONNACK', 'ECONNRESET'));
    const wasConnected = this.isConnected;
    this.socket = undefined;
    this.isConnected = false;
    this.keepalive.stop();
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

  /** Settles a pending connect() with `err`; false when there was none for this socket. */
  private failOpening(socket: net.Socket, err: Error): boolean {
    const opening = this.opening;
    if (opening === undefined || this.socket !== socket) {
      return false;
    }
    this.opening = undefined;
    clearTimeout(opening.timer);
    this.socket = undefined;
    socket.destroy();
    // A SUBSCRIBE sent with the CONNECT fails with it; publishes stay pending for a reconnect.
    this.pending.reject(err, (ack) => ack.bytes === undefined);
    opening.reject(err);
    return true;
  }

  /** A remaining length MQTT does not allow (the splitter's sink): the connection is lost. */
  onMalformed(): void {
    if (this.socket !== undefined) {
      const err = new Error(`malformed packet: ${MQTT_MALFORMED_LENGTH}`);
      if (!this.failOpening(this.socket, err)) {
        this.lose(err);
      }
    }
  }

  /**
   * One complete incoming packet (the splitter's sink), its body `buf[start, end)`; `buf` is valid
   * only during the call.
   */
  onPacket(
    type: number,
    flags: number,
    buf: Buffer,
    _packetStart: number,
    start: number,
    end: number,
  ): void {
    const socket = this.socket;
    if (socket === undefined) {
      return;
    }
    if (this.opening !== undefined) {
      if (type === PACKET.connack && end - start >= 2) {
        this.onConnack(socket, (buf[start] & 1) === 1, buf[start + 1]);
      }
      return;
    }
    switch (type) {
      case PACKET.puback:
      case PACKET.pubcomp:
        this.pending.settle(buf.readUInt16BE(start));
        return;
      case PACKET.pubrec: {
        const messageId = buf.readUInt16BE(start);
        // The publish stays pending until PUBCOMP; PUBREL is owed even for an unknown id.
        const ack = this.pending.get(messageId);
        if (ack) {
          ack.released = true;
        }
        this.write(socket, encodeAck(PACKET.pubrel, messageId));
        return;
      }
      case PACKET.suback:
        this.pending.settle(
          buf.readUInt16BE(start),
          buf[start + 2] === 0x80 ? new Error('subscribe rejected by broker') : undefined,
        );
        return;
      case PACKET.publish:
        this.onControlPublish(socket, (flags >> 1) & 3, buf, start);
        return;
      case PACKET.pubrel:
        this.write(socket, encodeAck(PACKET.pubcomp, buf.readUInt16BE(start)));
        return;
      case PACKET.disconnect:
        this.lose(codedError('disconnect packet from broker', 'ECONNRESET'));
        return;
      default:
        // PINGRESP only refreshes lastReadAt; nothing else is sent to a 3.1.1 client.
        return;
    }
  }

  private onConnack(socket: net.Socket, sessionPresent: boolean, rc: number): void {
    const opening = this.opening;
    if (opening === undefined) {
      return;
    }
    if (rc !== 0) {
      this.failOpening(socket, connackRejectedError(rc));
      return;
    }
    this.opening = undefined;
    clearTimeout(opening.timer);
    this.isConnected = true;
    this.keepalive.start();
    this.resendPending(socket);
    if (!sessionPresent && this.controlSubscribed) {
      // Failure is logged by no one on purpose: the device still publishes without it.
      this.subscribeControl().catch(() => undefined);
    }
    opening.resolve();
  }

  private onControlPublish(socket: net.Socket, qos: number, buf: Buffer, start: number): void {
    const topicEnd = start + 2 + buf.readUInt16BE(start);
    if (buf.toString('utf8', start + 2, topicEnd) === this.options.controlTopic) {
      this.options.onControl();
    }
    if (qos === 1) {
      this.write(socket, encodeAck(PACKET.puback, buf.readUInt16BE(topicEnd)));
    } else if (qos === 2) {
      this.write(socket, encodeAck(PACKET.pubrec, buf.readUInt16BE(topicEnd)));
    }
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
    this.keepalive.stop();
    socket.destroy();
    this.pending.reject(err, (ack) => ack.bytes === undefined);
    this.options.onDisconnect(classifyError(err), err);
  }

  /** After a CONNACK: what awaited an ack on the lost connection goes out again, in id order. */
  private resendPending(socket: net.Socket): void {
    for (const [messageId, ack] of this.pending.entries()) {
      if (ack.released) {
        this.write(socket, encodeAck(PACKET.pubrel, messageId));
      } else if (ack.bytes !== undefined) {
        const again = Buffer.from(ack.bytes);
        again[0] |= DUP_FLAG;
        this.write(socket, again);
      }
    }
  }

  private write(socket: net.Socket, bytes: Buffer): void {
    this.keepalive.wrote();
    socket.write(bytes);
  }
}

export const createLeanClient: DeviceClientFactory = (options) => new LeanClient(options);

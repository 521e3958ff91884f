import * as net from 'node:net';
import * as tls from 'node:tls';
import * as mqttPacket from 'mqtt-packet';
import { MqttConsumerError } from './mqtt-consumer.error';
import { PacketReader } from './packet-reader';
import { describeReasonCode } from './reason-codes';

export const MQTT5 = { protocolVersion: 5 } as const;
const PINGREQ = mqttPacket.generate({ cmd: 'pingreq' }, MQTT5);
// Floor for re-arming the keepalive timer, so one that fires a millisecond early cannot spin.
const MIN_TIMER_MS = 5;

export interface ConnectionHandlers {
  /** The broker accepted the CONNECT (reason code < 0x80); called before any later packet. */
  onConnack(connack: mqttPacket.IConnackPacket): void;
  /** Every packet after CONNACK that one socket read contained, in order. */
  onPackets(packets: mqttPacket.Packet[]): void;
  /** Called once: the attempt failed or the established connection ended. */
  onClosed(error: MqttConsumerError, established: boolean): void;
}

export interface ConnectionTarget {
  host: string;
  port: number;
  connectTimeoutMs: number;
  keepaliveSec: number;
  connect: mqttPacket.IConnectPacket;
  /** Connect over TLS with these options (an empty object: Node's trusted roots). */
  tls?: tls.ConnectionOptions;
}

/** A TCP or TLS socket to the broker; the server's certificate is verified against its host. */
function openSocket(target: ConnectionTarget): net.Socket {
  if (target.tls === undefined) {
    return net.connect({ host: target.host, port: target.port });
  }
  return tls.connect({
    ...target.tls,
    host: target.host,
    port: target.port,
    // SNI takes host names only; an IP address is still checked against the certificate.
    ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
    rejectUnauthorized: true,
  });
}

/**
 * One socket to the broker speaking MQTT 5: CONNECT, CONNACK, then packets in batches per read,
 * keepalive (PINGREQ when we have been silent, loss when the broker has been silent for 1.5x the
 * keepalive, except while paused: then nothing is read on purpose). Knows nothing about
 * subscriptions or acks; {@link MqttConsumer} owns those and opens a new one per reconnect.
 */
export class MqttConnection {
  private readonly socket: net.Socket;
  private readonly reader: PacketReader;
  private batch: mqttPacket.Packet[] = [];
  private established = false;
  private done = false;
  private keepaliveMs: number;
  private timer: NodeJS.Timeout | undefined;
  private lastReadAt = Date.now();
  private lastWriteAt = Date.now();
  private paused = false;

  constructor(
    private readonly target: ConnectionTarget,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.keepaliveMs = target.keepaliveSec * 1000;
    const parser = mqttPacket.parser(MQTT5);
    parser.on('packet', (packet: mqttPacket.Packet) => this.onPacket(packet));
    parser.on('error', (err: Error) =>
      this.fail('PROTOCOL', `malformed packet from broker: ${err.message}`),
    );
    // PUBLISHes without properties decoded on a fast path, every other packet by mqtt-packet.
    this.reader = new PacketReader(
      (packet) => this.onPacket(packet),
      (bytes) => parser.parse(bytes),
    );
    this.socket = openSocket(target);
    this.socket.setNoDelay(true);
    // Paused mode: read() returns everything buffered since the last read as one chunk, so a
    // consumer that fell behind gets one large batch instead of one callback per TCP segment.
    this.socket.on('readable', () => this.drain());
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      this.fail('CONNECTION_LOST', `${err.code ?? 'socket error'}: ${err.message}`, err);
    });
    this.socket.on('close', () => this.fail('CONNECTION_LOST', 'connection closed by broker'));
    this.timer = setTimeout(() => {
      this.fail('CONNECTION_LOST', `no CONNACK within ${target.connectTimeoutMs} ms`);
    }, target.connectTimeoutMs);
    this.write(mqttPacket.generate(target.connect, MQTT5));
  }

  write(bytes: Buffer): void {
    if (this.done) {
      return;
    }
    this.lastWriteAt = Date.now();
    // Backpressure from write() is not acted on: what we send is small (acks, rare publishes).
    this.socket.write(bytes);
  }

  send(packet: mqttPacket.Packet): void {
    this.write(mqttPacket.generate(packet, MQTT5));
  }

  /** Stops reading: the stream's and the kernel's buffers fill, then TCP holds the broker back. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) {
      return;
    }
    this.paused = false;
    this.lastReadAt = Date.now();
    // Deferred: resume() is called from ack paths, which must not re-enter packet handling.
    setImmediate(() => this.drain());
  }

  private drain(): void {
    while (!this.paused && !this.done) {
      const chunk = this.socket.read() as Buffer | null;
      if (chunk === null) {
        return;
      }
      this.lastReadAt = Date.now();
      this.reader.read(chunk);
      if (this.batch.length > 0 && !this.done) {
        const packets = this.batch;
        this.batch = [];
        this.handlers.onPackets(packets);
      }
    }
  }

  /** Sends DISCONNECT and ends the socket; resolves when closed or after `graceMs`. */
  end(disconnect: mqttPacket.IDisconnectPacket, graceMs: number): Promise<void> {
    if (this.done) {
      return Promise.resolve();
    }
    this.write(mqttPacket.generate(disconnect, MQTT5));
    this.stop();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, graceMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
  }

  /** Drops the socket without DISCONNECT (as a crash would); no onClosed. */
  destroy(): void {
    this.stop();
    this.socket.destroy();
  }

  private stop(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onPacket(packet: mqttPacket.Packet): void {
    if (this.done) {
      return;
    }
    if (this.established) {
      this.batch.push(packet);
      return;
    }
    if (packet.cmd !== 'connack') {
      this.fail('PROTOCOL', `expected CONNACK, got ${packet.cmd.toUpperCase()}`);
      return;
    }
    const code = packet.reasonCode ?? 0;
    if (code >= 0x80) {
      this.fail(
        'REFUSED',
        `broker refused the connection: ${describeReasonCode(code)}`,
        undefined,
        code,
      );
      return;
    }
    this.established = true;
    clearTimeout(this.timer);
    const serverKeepAlive = packet.properties?.serverKeepAlive;
    if (serverKeepAlive !== undefined) {
      this.keepaliveMs = serverKeepAlive * 1000;
    }
    this.armKeepalive(this.keepaliveMs);
    this.handlers.onConnack(packet);
  }

  private fail(
    code: 'CONNECTION_LOST' | 'PROTOCOL' | 'REFUSED',
    message: string,
    cause?: unknown,
    reasonCode?: number,
  ): void {
    if (this.done) {
      return;
    }
    const established = this.established;
    this.stop();
    this.socket.destroy();
    this.handlers.onClosed(
      new MqttConsumerError(code, message, { cause, reasonCode }),
      established,
    );
  }

  /** A DISCONNECT from the broker ends the connection with its reason. */
  disconnectedByBroker(reasonCode: number | undefined): void {
    this.fail('CONNECTION_LOST', `broker sent DISCONNECT: ${describeReasonCode(reasonCode ?? 0)}`);
  }

  /** The broker broke the protocol; the connection cannot be trusted any more. */
  protocolError(message: string): void {
    this.fail('PROTOCOL', message);
  }

  private armKeepalive(delayMs: number): void {
    if (this.keepaliveMs <= 0 || this.done) {
      return;
    }
    this.timer = setTimeout(() => this.keepaliveTick(), Math.max(delayMs, MIN_TIMER_MS));
  }

  private keepaliveTick(): void {
    const now = Date.now();
    const deadMs = this.keepaliveMs * 1.5;
    if (this.paused) {
      this.lastReadAt = now;
    } else if (now - this.lastReadAt >= deadMs) {
      this.fail(
        'CONNECTION_LOST',
        `keepalive timeout: nothing from the broker for ${now - this.lastReadAt} ms`,
      );
      return;
    }
    if (now - this.lastWriteAt >= this.keepaliveMs) {
      this.write(PINGREQ);
    }
    this.armKeepalive(
      Math.min(this.lastWriteAt + this.keepaliveMs, this.lastReadAt + deadMs) - now,
    );
  }
}

import type * as mqttPacket from 'mqtt-packet';

/**
 * Splits what the socket reads into MQTT packets and decodes the one the consumer receives at
 * rate, a PUBLISH without properties, itself; every other packet (CONNACK, SUBACK, PUBACK, a
 * PUBLISH with properties, anything malformed) goes, whole and in order, to `slow`: mqtt-packet's
 * parser, which emits it or its error synchronously. mqtt-packet was 11 % of the gateway's busy
 * time at 16k msg/s, much of it in its per-field debug calls (ADR 0040); this path decodes a
 * PUBLISH into the same fields (topic, payload, qos, dup, retain, messageId, length), its payload
 * a view of the read, not a copy.
 */
export class PacketReader {
  /** The reads holding the start of a packet whose bytes have not all arrived yet. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** That packet's size once its header has arrived: a large one is joined once, not per read. */
  private needed = 0;

  constructor(
    private readonly emit: (packet: mqttPacket.IPublishPacket) => void,
    private readonly slow: (bytes: Buffer) => void,
  ) {}

  read(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.needed) {
        return;
      }
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.needed = 0;
    }
    let pos = 0;
    while (pos < buf.length) {
      const header = remainingLength(buf, pos + 1);
      if (header === undefined) {
        // The length's bytes have not all arrived.
        this.hold(buf.subarray(pos), 0);
        return;
      }
      if (header === null) {
        // Not a length MQTT allows: mqtt-packet names the error.
        this.slow(buf.subarray(pos));
        return;
      }
      const [length, bodyAt] = header;
      const end = bodyAt + length;
      if (end > buf.length) {
        this.hold(buf.subarray(pos), end - pos);
        return;
      }
      const publish = buf[pos] >> 4 === 3 ? decodePublish(buf, pos, bodyAt, end) : undefined;
      if (publish) {
        this.emit(publish);
      } else {
        this.slow(buf.subarray(pos, end));
      }
      pos = end;
    }
  }

  private hold(start: Buffer, needed: number): void {
    this.pending = [start];
    this.pendingBytes = start.length;
    this.needed = needed;
  }
}

/**
 * The remaining length (MQTT's variable byte integer) at `at` and where the body starts;
 * undefined when its bytes have not all arrived, null when it runs past four bytes.
 */
function remainingLength(buf: Buffer, at: number): [number, number] | undefined | null {
  let value = 0;
  for (let i = 0; i < 4; i += 1) {
    if (at + i >= buf.length) {
      return undefined;
    }
    const byte = buf[at + i];
    value += (byte & 0x7f) * 128 ** i;
    if (byte < 0x80) {
      return [value, at + i + 1];
    }
  }
  return null;
}

/** A PUBLISH without properties, or undefined for mqtt-packet to decode (or to reject). */
function decodePublish(
  buf: Buffer,
  start: number,
  bodyAt: number,
  end: number,
): mqttPacket.IPublishPacket | undefined {
  const flags = buf[start] & 0x0f;
  const qos = (flags >> 1) & 3;
  if (qos === 3) {
    return undefined;
  }
  let p = bodyAt;
  if (p + 2 > end) {
    return undefined;
  }
  const topicEnd = p + 2 + buf.readUInt16BE(p);
  p += 2;
  if (topicEnd > end) {
    return undefined;
  }
  const topic = buf.toString('utf8', p, topicEnd);
  p = topicEnd;
  let messageId: number | undefined;
  if (qos > 0) {
    if (p + 2 > end) {
      return undefined;
    }
    messageId = buf.readUInt16BE(p);
    p += 2;
  }
  // MQTT 5: the properties' length; anything but none takes mqtt-packet's path.
  if (p >= end || buf[p] !== 0) {
    return undefined;
  }
  p += 1;
  const packet: mqttPacket.IPublishPacket = {
    cmd: 'publish',
    retain: (flags & 1) === 1,
    qos: qos as mqttPacket.QoS,
    dup: (flags & 8) === 8,
    length: end - bodyAt,
    topic,
    payload: buf.subarray(p, end),
  };
  if (messageId !== undefined) {
    packet.messageId = messageId;
  }
  return packet;
}

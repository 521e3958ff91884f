import type * as mqttPacket from 'mqtt-packet';
import { type FrameSink, FrameSplitter } from '@sousvide/mqtt-frames';

/**
 * Decodes the packet the consumer receives at rate, a PUBLISH without properties, itself; every
 * other packet (CONNACK, SUBACK, PUBACK, a PUBLISH with properties, anything malformed) goes, whole
 * and in order, to `slow`: mqtt-packet's parser, which emits it or its error synchronously.
 * mqtt-packet was 11 % of the gateway's busy time at 16k msg/s, much of it in its per-field debug
 * calls (ADR 0040); this path decodes a PUBLISH into the same fields (topic, payload, qos, dup,
 * retain, messageId, length), its payload a view of the read, not a copy. The reads are cut into
 * packets by @sousvide/mqtt-frames (ADR 0041), which holds the socket's fresh 'data' buffers of a
 * packet split across reads by reference and joins them once.
 */
export class PacketReader implements FrameSink {
  private readonly frames = new FrameSplitter(this);

  constructor(
    private readonly emit: (packet: mqttPacket.IPublishPacket) => void,
    private readonly slow: (bytes: Buffer) => void,
  ) {}

  read(chunk: Buffer): void {
    this.frames.feed(chunk);
  }

  /** One complete packet (the splitter's sink). */
  readonly onPacket: FrameSink['onPacket'] = (type, flags, buf, packetStart, bodyStart, end) => {
    const publish = type === 3 ? decodePublish(flags, buf, bodyStart, end) : undefined;
    if (publish) {
      this.emit(publish);
    } else {
      this.slow(buf.subarray(packetStart, end));
    }
  };

  /** Not a length MQTT allows: mqtt-packet names the error. */
  onMalformed(buf: Buffer, packetStart: number, end: number): void {
    this.slow(buf.subarray(packetStart, end));
  }
}

/** A PUBLISH without properties, or undefined for mqtt-packet to decode (or to reject). */
function decodePublish(
  flags: number,
  buf: Buffer,
  bodyAt: number,
  end: number,
): mqttPacket.IPublishPacket | undefined {
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

/**
 * The few MQTT 3.1.1 packets a simulated device sends and receives, encoded by hand. mqtt-packet
 * builds an object per packet, a BufferList per parser and a debug call per step; at 10k messages
 * per second that was a third of the lean model's CPU. Here a PUBLISH is one pooled allocation;
 * incoming bytes are framed straight out of the socket's shared read buffer by
 * @sousvide/mqtt-frames (ADR 0041).
 */

export const PACKET = {
  connect: 1,
  connack: 2,
  publish: 3,
  puback: 4,
  pubrec: 5,
  pubrel: 6,
  pubcomp: 7,
  subscribe: 8,
  suback: 9,
  pingreq: 12,
  pingresp: 13,
  disconnect: 14,
} as const;

/** DUP flag of a PUBLISH's first byte (MQTT 3.1.1, 3.3.1.1). */
export const DUP_FLAG = 0x08;
export const PINGREQ = Buffer.from([0xc0, 0x00]);
export const DISCONNECT = Buffer.from([0xe0, 0x00]);

function remainingLengthSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4;
}

/** Writes the fixed header (type byte and remaining length); returns the offset after it. */
function writeHeader(buf: Buffer, first: number, remaining: number): number {
  buf[0] = first;
  let off = 1;
  let n = remaining;
  do {
    let byte = n % 0x80;
    n = Math.floor(n / 0x80);
    if (n > 0) {
      byte |= 0x80;
    }
    buf[off++] = byte;
  } while (n > 0);
  return off;
}

function utf8Field(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

/** User name and password a CONNECT carries (a device identity on a secure broker). */
export interface ConnectCredentials {
  username: string;
  password: string;
}

const CONNECT_FLAG = { username: 0x80, password: 0x40, clean: 0x02 } as const;

/** CONNECT, MQTT 3.1.1, no will; user name and password when `credentials` is given. */
export function encodeConnect(
  clientId: string,
  keepaliveSec: number,
  clean: boolean,
  credentials?: ConnectCredentials,
): Buffer {
  const fields = [utf8Field(clientId)];
  let flags = clean ? CONNECT_FLAG.clean : 0;
  if (credentials) {
    fields.push(utf8Field(credentials.username), utf8Field(credentials.password));
    flags |= CONNECT_FLAG.username | CONNECT_FLAG.password;
  }
  const remaining = 10 + fields.reduce((n, f) => n + f.length, 0);
  const buf = Buffer.allocUnsafe(1 + remainingLengthSize(remaining) + remaining);
  let off = writeHeader(buf, PACKET.connect << 4, remaining);
  off += buf.write('\x00\x04MQTT\x04', off, 'latin1');
  buf[off++] = flags;
  buf.writeUInt16BE(keepaliveSec, off);
  off += 2;
  for (const field of fields) {
    off += field.copy(buf, off);
  }
  return buf;
}

/** SUBSCRIBE to one topic filter. */
export function encodeSubscribe(messageId: number, topic: string, qos: number): Buffer {
  const filter = utf8Field(topic);
  const remaining = 2 + filter.length + 1;
  const buf = Buffer.allocUnsafe(1 + remainingLengthSize(remaining) + remaining);
  let off = writeHeader(buf, (PACKET.subscribe << 4) | 0x02, remaining);
  buf.writeUInt16BE(messageId, off);
  off += 2 + filter.copy(buf, off + 2);
  buf[off] = qos;
  return buf;
}

/** PUBACK, PUBREC, PUBREL or PUBCOMP for a packet id. */
export function encodeAck(type: number, messageId: number): Buffer {
  const buf = Buffer.allocUnsafe(4);
  buf[0] = (type << 4) | (type === PACKET.pubrel ? 0x02 : 0);
  buf[1] = 2;
  buf.writeUInt16BE(messageId, 2);
  return buf;
}

/** A topic's length-prefixed bytes, computed once per device and reused by every PUBLISH. */
export const encodeTopic = utf8Field;

/** PUBLISH of a UTF-8 payload to a pre-encoded topic: one allocation per message. */
export function encodePublish(
  topic: Buffer,
  qos: 0 | 1 | 2,
  messageId: number,
  payload: string,
): Buffer {
  const payloadBytes = Buffer.byteLength(payload, 'utf8');
  const remaining = topic.length + (qos > 0 ? 2 : 0) + payloadBytes;
  const buf = Buffer.allocUnsafe(1 + remainingLengthSize(remaining) + remaining);
  let off = writeHeader(buf, (PACKET.publish << 4) | (qos << 1), remaining);
  off += topic.copy(buf, off);
  if (qos > 0) {
    buf.writeUInt16BE(messageId, off);
    off += 2;
  }
  buf.write(payload, off, payloadBytes, 'utf8');
  return buf;
}

import * as mqttPacket from 'mqtt-packet';
import { PacketReader } from './packet-reader';

const MQTT5 = { protocolVersion: 5 } as const;

const PACKETS: mqttPacket.Packet[] = [
  {
    cmd: 'publish',
    topic: 'sv/dev-1/telemetry',
    payload: Buffer.from('{"t":1}'),
    qos: 1,
    messageId: 7,
    dup: false,
    retain: false,
  },
  {
    cmd: 'publish',
    topic: 'sv/ü/telemetry',
    payload: Buffer.alloc(0),
    qos: 0,
    dup: false,
    retain: true,
  },
  { cmd: 'puback', messageId: 9, reasonCode: 0 },
  {
    cmd: 'publish',
    topic: 'sv/big',
    payload: Buffer.alloc(20_000, 7),
    qos: 1,
    messageId: 65_535,
    dup: true,
    retain: false,
  },
  // Properties: mqtt-packet's path.
  {
    cmd: 'publish',
    topic: 'sv/props',
    payload: Buffer.from('x'),
    qos: 1,
    messageId: 3,
    dup: false,
    retain: false,
    properties: { userProperties: { a: 'b' } },
  },
  { cmd: 'pingresp' },
  { cmd: 'suback', messageId: 2, granted: [1], properties: {} },
  {
    cmd: 'publish',
    topic: 't',
    payload: Buffer.from('last'),
    qos: 1,
    messageId: 1,
    dup: false,
    retain: false,
  },
] as mqttPacket.Packet[];

/** A packet as plain data: what the consumer reads of it. */
function plain(p: mqttPacket.Packet): unknown {
  const { cmd, messageId, length } = p as { cmd: string; messageId?: number; length?: number };
  if (cmd !== 'publish') {
    return { cmd, messageId, length };
  }
  const { topic, payload, qos, dup, retain, properties } = p as mqttPacket.IPublishPacket;
  return {
    cmd,
    topic,
    payload: Buffer.from(payload as Buffer).toString('hex'),
    qos,
    dup,
    retain,
    messageId,
    length,
    properties,
  };
}

/** Feeds the chunks through a reader whose slow path is mqtt-packet's parser, as the connection does. */
function readAll(chunks: Buffer[]): { packets: unknown[]; slowCalls: number; errors: string[] } {
  const packets: unknown[] = [];
  const errors: string[] = [];
  let slowCalls = 0;
  const parser = mqttPacket.parser(MQTT5);
  parser.on('packet', (p: mqttPacket.Packet) => packets.push(plain(p)));
  parser.on('error', (e: Error) => errors.push(e.message));
  const reader = new PacketReader(
    (p) => packets.push(plain(p)),
    (bytes) => {
      slowCalls += 1;
      parser.parse(bytes);
    },
  );
  for (const c of chunks) {
    reader.read(c);
  }
  return { packets, slowCalls, errors };
}

describe('PacketReader', () => {
  const stream = Buffer.concat(PACKETS.map((p) => mqttPacket.generate(p, MQTT5)));
  const reference: unknown[] = [];
  const parser = mqttPacket.parser(MQTT5);
  parser.on('packet', (p: mqttPacket.Packet) => reference.push(plain(p)));
  parser.parse(stream);

  it('decodes what mqtt-packet decodes, in order, wherever the reads split the stream', () => {
    expect(reference).toHaveLength(PACKETS.length);
    for (let cut = 0; cut <= stream.length; cut += cut < 40 || cut > stream.length - 40 ? 1 : 97) {
      const got = readAll([stream.subarray(0, cut), stream.subarray(cut)]);
      expect({ cut, ...got, slowCalls: undefined }).toEqual({
        cut,
        packets: reference,
        errors: [],
        slowCalls: undefined,
      });
    }
    expect(readAll([...stream].map((b) => Buffer.from([b]))).packets).toEqual(reference);
  });

  it('joins a large packet once, when its last read arrives, not at every read', () => {
    const big = mqttPacket.generate(
      {
        cmd: 'publish',
        topic: 'sv/huge',
        payload: Buffer.alloc(1_000_000, 1),
        qos: 1,
        messageId: 5,
        dup: false,
        retain: false,
      },
      MQTT5,
    );
    const concat = jest.spyOn(Buffer, 'concat');
    const reads: Buffer[] = [];
    for (let at = 0; at < big.length; at += 1000) {
      reads.push(big.subarray(at, at + 1000));
    }

    const got = readAll(reads);

    expect(concat).toHaveBeenCalledTimes(1);
    concat.mockRestore();
    expect(got.packets).toHaveLength(1);
    expect(got.packets[0]).toMatchObject({
      topic: 'sv/huge',
      messageId: 5,
      length: big.length - 4,
    });
  });

  it('decodes PUBLISHes without properties itself and hands every other packet to mqtt-packet', () => {
    // PUBACK, the PUBLISH with properties, PINGRESP, SUBACK.
    expect(readAll([stream]).slowCalls).toBe(4);
  });

  it("leaves malformed packets to mqtt-packet's errors", () => {
    const qos3 = Buffer.from([0x36, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01]);
    const topicTooLong = Buffer.from([0x32, 0x04, 0x00, 0x09, 0x74, 0x74]);
    const lengthTooLong = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]);

    expect(readAll([qos3]).errors).toEqual(['Packet must not have both QoS bits set to 1']);
    expect(readAll([topicTooLong]).errors).toEqual(['Cannot parse topic']);
    expect(readAll([lengthTooLong]).errors).toHaveLength(1);
  });
});

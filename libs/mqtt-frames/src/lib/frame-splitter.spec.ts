import { describe, expect, it, jest } from '@jest/globals';
import {
  type FrameSink,
  FrameSplitter,
  type FrameSplitterOptions,
  MQTT_MALFORMED_LENGTH,
} from './frame-splitter';

/** A packet: its first byte, the remaining length (MQTT's variable byte integer), the body. */
function packet(first: number, body: Buffer): Buffer {
  const length: number[] = [];
  for (let n = body.length; ; n = Math.floor(n / 128)) {
    length.push(n < 128 ? n : n % 128 | 0x80);
    if (n < 128) {
      return Buffer.concat([Buffer.from([first, ...length]), body]);
    }
  }
}

const publishBody = (topic: string, messageId: number, payload: Buffer): Buffer =>
  Buffer.concat([
    Buffer.from([0, topic.length]),
    Buffer.from(topic),
    Buffer.from([0, messageId]),
    payload,
  ]);

/** First byte and body of each packet in the stream: remaining lengths of one and two bytes. */
const PARTS: [number, Buffer][] = [
  [0x20, Buffer.from([0x01, 0x00])], // CONNACK, session present
  [0x40, Buffer.from([0x01, 0x02])], // PUBACK 258
  [0x3a, publishBody('t', 3, Buffer.alloc(200, 1))], // PUBLISH QoS 1, DUP: a 2-byte length
  [0xd0, Buffer.alloc(0)], // PINGRESP: an empty body
  [0x62, Buffer.from([0x00, 0x07])], // PUBREL
  [0x90, Buffer.from([0x00, 0x09, 0x01])], // SUBACK
];
const STREAM = Buffer.concat(PARTS.map(([first, body]) => packet(first, body)));
const EXPECTED = PARTS.map(([first, body]) => {
  const bytes = packet(first, body);
  return {
    type: first >> 4,
    flags: first & 0x0f,
    bytes: bytes.toString('hex'),
    header: bytes.length - body.length,
  };
});

/** Records what the splitter hands on, copied out, since `buf` is valid during the call only. */
class Recorder implements FrameSink {
  readonly packets: { type: number; flags: number; bytes: string; header: number }[] = [];
  readonly malformed: string[] = [];

  readonly onPacket: FrameSink['onPacket'] = (type, flags, buf, packetStart, bodyStart, end) => {
    const bytes = buf.toString('hex', packetStart, end);
    this.packets.push({ type, flags, bytes, header: bodyStart - packetStart });
  };

  onMalformed(buf: Buffer, packetStart: number, end: number): void {
    this.malformed.push(buf.toString('hex', packetStart, end));
  }
}

/** Feeds each read as a buffer of its own, as a socket's 'data' event does. */
function split(reads: Buffer[], options?: FrameSplitterOptions): Recorder {
  const recorder = new Recorder();
  const splitter = new FrameSplitter(recorder, options);
  for (const read of reads) {
    splitter.feed(read);
  }
  return recorder;
}

/**
 * Feeds `stream` `step` bytes at a time through one buffer that every read overwrites and that is
 * scribbled over after each feed, as a socket's shared `onread` buffer is.
 */
function splitThroughSharedBuffer(stream: Buffer, step: number): Recorder {
  const recorder = new Recorder();
  const splitter = new FrameSplitter(recorder, { copyHeld: true });
  const shared = Buffer.alloc(step + 16);
  for (let at = 0; at < stream.length; at += step) {
    const n = stream.copy(shared, 0, at, at + step);
    splitter.feed(shared, n);
    shared.fill(0xee);
  }
  return recorder;
}

function countingConcat<T>(run: () => T): { result: T; concats: number } {
  const concat = jest.spyOn(Buffer, 'concat');
  try {
    const result = run();
    return { result, concats: concat.mock.calls.length };
  } finally {
    concat.mockRestore();
  }
}

describe('FrameSplitter', () => {
  it('frames several packets in one read in place, joining nothing', () => {
    const { result, concats } = countingConcat(() => split([STREAM]));
    expect(result.packets).toEqual(EXPECTED);
    expect(result.malformed).toEqual([]);
    expect(concats).toBe(0);
  });

  it.each([false, true])('frames the stream cut at every byte (copyHeld %s)', (copyHeld) => {
    for (let cut = 0; cut <= STREAM.length; cut += 1) {
      const reads = [STREAM.subarray(0, cut), STREAM.subarray(cut)];
      expect({ cut, packets: split(reads, { copyHeld }).packets }).toEqual({
        cut,
        packets: EXPECTED,
      });
    }
  });

  it('frames the stream fed one byte per read', () => {
    expect(split([...STREAM].map((b) => Buffer.from([b]))).packets).toEqual(EXPECTED);
  });

  it('frames a packet whose header is split across reads', () => {
    // A 20,000-byte body: a remaining length of three bytes, cut after its first.
    const big = packet(0x30, publishBody('big', 1, Buffer.alloc(19_993, 5)));
    expect(big.subarray(0, 4).toString('hex')).toBe('30a09c01');
    const got = split([big.subarray(0, 2), big.subarray(2, 3), big.subarray(3)]);
    expect(got.packets).toEqual([{ type: 3, flags: 0, bytes: big.toString('hex'), header: 4 }]);
  });

  it.each([1, 3, 7, 64])(
    'copies what it holds of a reused read buffer, overwritten after each feed (%i bytes a read)',
    (step) => {
      expect(splitThroughSharedBuffer(STREAM, step).packets).toEqual(EXPECTED);
    },
  );

  it('without copyHeld, references the reads it holds instead of copying them', () => {
    // The PUBLISH starts at byte 8; byte 19 is in its payload.
    const first = Buffer.from(STREAM.subarray(0, 20));
    const recorder = new Recorder();
    const splitter = new FrameSplitter(recorder);
    splitter.feed(first);
    first[19] = 0xab;
    splitter.feed(STREAM.subarray(20));
    expect(recorder.packets[2].bytes.slice(22, 24)).toBe('ab');
  });

  it(`reports a remaining length longer than four bytes from the packet's start`, () => {
    expect(MQTT_MALFORMED_LENGTH).toBe('remaining length longer than 4 bytes');
    const bad = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]);
    const connack = packet(0x20, Buffer.from([0, 0]));

    const oneRead = split([Buffer.concat([connack, bad])]);
    expect(oneRead.packets.map((p) => p.type)).toEqual([2]);
    expect(oneRead.malformed).toEqual(['30ffffffff0100']);

    // Split inside the length, from a reused buffer: the held bytes come back too.
    const recorder = new Recorder();
    const splitter = new FrameSplitter(recorder, { copyHeld: true });
    const shared = Buffer.from(bad);
    splitter.feed(shared, 3);
    shared.fill(0xee);
    bad.copy(shared, 0, 3);
    splitter.feed(shared, bad.length - 3);
    expect(recorder.malformed).toEqual(['30ffffffff0100']);

    // The next read starts a new packet.
    splitter.feed(connack);
    expect(recorder.packets.map((p) => p.type)).toEqual([2]);
  });

  it('accepts the longest remaining length, four bytes, and waits for its body', () => {
    const got = split([Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00])]);
    expect([got.packets, got.malformed]).toEqual([[], []]);
  });

  it('drops a held partial packet on reset', () => {
    const recorder = new Recorder();
    const splitter = new FrameSplitter(recorder, { copyHeld: true });
    splitter.feed(STREAM, 30);
    splitter.reset();
    splitter.feed(STREAM);
    expect(recorder.packets).toEqual([...EXPECTED.slice(0, 2), ...EXPECTED]);
  });

  describe('a 1 MB packet in 1 kB reads', () => {
    const big = packet(0x32, publishBody('sv/huge', 5, Buffer.alloc(1_000_000, 1)));
    const reads = (from: number): Buffer[] => {
      const out = [big.subarray(0, from)];
      for (let at = from; at < big.length; at += 1000) {
        out.push(big.subarray(at, at + 1000));
      }
      return out;
    };
    /** Checks the packet itself, not its hex: a 2 MB string per call is slow. */
    const sink = (seen: Buffer[]): FrameSink => ({
      onPacket: (_type, _flags, buf, packetStart, _bodyStart, end) =>
        seen.push(Buffer.from(buf.subarray(packetStart, end))),
      onMalformed: () => {
        throw new Error('not malformed');
      },
    });

    it.each([false, true])('is joined by one Buffer.concat (copyHeld %s)', (copyHeld) => {
      const seen: Buffer[] = [];
      const chunks = reads(1000);
      const { concats } = countingConcat(() => {
        const splitter = new FrameSplitter(sink(seen), { copyHeld });
        const shared = Buffer.alloc(1000);
        for (const chunk of chunks) {
          // With copyHeld, through one reused buffer.
          const read = copyHeld ? shared : chunk;
          const n = chunk.copy(read);
          splitter.feed(read, n);
          shared.fill(0xee);
        }
      });
      expect(concats).toBe(1);
      expect(seen).toHaveLength(1);
      expect(seen[0].equals(big)).toBe(true);
    });

    it('costs one more join when its header is split across reads', () => {
      const seen: Buffer[] = [];
      const chunks = reads(2);
      const { concats } = countingConcat(() => {
        const splitter = new FrameSplitter(sink(seen));
        chunks.forEach((chunk) => splitter.feed(chunk));
      });
      expect(concats).toBe(2);
      expect(seen[0].equals(big)).toBe(true);
    });
  });
});

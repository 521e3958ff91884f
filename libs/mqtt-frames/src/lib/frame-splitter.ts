/**
 * Receives what a FrameSplitter cuts out of the stream. `buf` is valid during the call only: it is
 * the caller's read (possibly a buffer the caller reuses) or the splitter's join of several reads.
 */
export interface FrameSink {
  /**
   * One complete packet, `buf[packetStart, end)`: the type and flags of its first byte, its body
   * (what follows the remaining length) `buf[bodyStart, end)`.
   */
  onPacket(
    type: number,
    flags: number,
    buf: Buffer,
    packetStart: number,
    bodyStart: number,
    end: number,
  ): void;
  /**
   * A remaining length longer than four bytes (MQTT_MALFORMED_LENGTH): `buf[packetStart, end)` is
   * the rest of the stream as read so far, from that packet's first byte. Nothing more of it is
   * framed; the next feed starts a new packet.
   */
  onMalformed(buf: Buffer, packetStart: number, end: number): void;
}

export interface FrameSplitterOptions {
  /**
   * The caller overwrites the buffer it fed once feed returns (a socket's shared `onread`
   * buffer): the bytes held of a packet split across reads are copied. Otherwise (a fresh buffer
   * per read, as a socket's 'data' gives) they are referenced.
   */
  copyHeld?: boolean;
}

/** What onMalformed means, for a caller that reports it. */
export const MQTT_MALFORMED_LENGTH = 'remaining length longer than 4 bytes';

/**
 * Cuts a TCP byte stream into MQTT packets by the fixed header's remaining length (the same in
 * MQTT 3.1.1 and 5). Packets that arrive whole, the usual case, go to the sink as views of the
 * read: no allocation per packet or per read. A packet split across reads is held, its reads
 * referenced (or copied, `copyHeld`), and joined once, by one Buffer.concat, when its last byte
 * has arrived: a 1 MB packet in 1 kB reads is copied once, not a thousand times. Until a packet's
 * header is complete its size is unknown, so the read that completes the header is joined with
 * the held bytes at once: a header split across reads costs one more join.
 */
export class FrameSplitter {
  /** The reads (or copies of them) holding a packet whose bytes have not all arrived. */
  private readonly held: Buffer[] = [];
  private heldBytes = 0;
  /** That packet's size once its header has arrived, 0 before. */
  private needed = 0;
  private readonly copyHeld: boolean;

  constructor(
    private readonly sink: FrameSink,
    options: FrameSplitterOptions = {},
  ) {
    this.copyHeld = options.copyHeld === true;
  }

  /** Frames `chunk[0, length)`, the next bytes of the stream. */
  feed(chunk: Buffer, length = chunk.length): void {
    let buf = chunk;
    let end = length;
    // Whether `buf` is the caller's buffer, overwritten after this call.
    let reused = this.copyHeld;
    if (this.heldBytes > 0) {
      const total = this.heldBytes + length;
      if (total < this.needed) {
        this.hold(chunk, 0, length, reused);
        return;
      }
      this.held.push(chunk.subarray(0, length));
      buf = Buffer.concat(this.held, total);
      end = total;
      reused = false;
      this.reset();
    }
    let pos = 0;
    while (pos < end) {
      // The remaining length, MQTT's variable byte integer: at most four bytes after the first.
      let remaining = 0;
      let multiplier = 1;
      let bodyStart = pos + 1;
      let complete = false;
      while (bodyStart < end) {
        const byte = buf[bodyStart++];
        remaining += (byte & 0x7f) * multiplier;
        if (byte < 0x80) {
          complete = true;
          break;
        }
        multiplier *= 0x80;
        if (multiplier > 0x200000) {
          this.sink.onMalformed(buf, pos, end);
          return;
        }
      }
      const packetEnd = bodyStart + remaining;
      if (!complete || packetEnd > end) {
        this.hold(buf, pos, end, reused);
        this.needed = complete ? packetEnd - pos : 0;
        return;
      }
      this.sink.onPacket(buf[pos] >> 4, buf[pos] & 0x0f, buf, pos, bodyStart, packetEnd);
      pos = packetEnd;
    }
  }

  /** Drops a held partial packet: the next feed starts a new stream (a new connection). */
  reset(): void {
    this.held.length = 0;
    this.heldBytes = 0;
    this.needed = 0;
  }

  private hold(buf: Buffer, start: number, end: number, reused: boolean): void {
    const part = buf.subarray(start, end);
    this.held.push(reused ? Buffer.from(part) : part);
    this.heldBytes += end - start;
  }
}

/** What the framer found in the client's byte stream, in order. */
export type FramerEvent =
  /** A complete request head (request line + headers, with its CRLFCRLF). */
  | { type: 'head'; bytes: Buffer; method: string; expectContinue: boolean }
  /** Body bytes of the current request, raw (chunked framing included). */
  | { type: 'body'; bytes: Buffer }
  /** The current request is complete (body and trailers read). */
  | { type: 'end' }
  /** Bytes the framer does not frame (after an upgrade or unparsable input): forward as they are. */
  | { type: 'opaque'; bytes: Buffer };

type State =
  | { kind: 'head' }
  | { kind: 'fixed'; remaining: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; remaining: number }
  | { kind: 'chunk-crlf' }
  | { kind: 'trailers' }
  | { kind: 'opaque' };

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 4 * 1024;

/**
 * Finds HTTP/1.1 request boundaries in a client's byte stream, so the fault proxy can decide per
 * request on a keep-alive connection. It frames bodies by `Content-Length` or
 * `Transfer-Encoding: chunked` (a request with neither has no body, RFC 9112 section 6.3).
 *
 * Limits: it never changes bytes and does not validate beyond framing. After `CONNECT`, an
 * `Upgrade`, a head over 64 KiB, conflicting lengths or malformed chunk sizes it stops framing and
 * passes everything on as `opaque`. Responses are not parsed, so the proxy assumes the client
 * waits for each response before it sends the next request (no pipelining), as Node's http.Agent
 * and the Influx client do.
 */
export class HttpRequestFramer {
  private state: State = { kind: 'head' };
  private pending: Buffer = Buffer.alloc(0);

  /** True once framing was given up; every later byte is `opaque`. */
  get opaque(): boolean {
    return this.state.kind === 'opaque';
  }

  /** Consumes a chunk and returns the events it completes. */
  push(chunk: Buffer): FramerEvent[] {
    const events: FramerEvent[] = [];
    let input = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    // Each step consumes input or stops for more; the input only shrinks, so this ends.
    while (input.length > 0) {
      const consumed = this.step(input, events);
      if (consumed === 0) {
        this.pending = input;
        break;
      }
      input = input.subarray(consumed);
    }
    return events;
  }

  /** One state's worth of parsing; returns the bytes consumed (0: needs more input). */
  private step(input: Buffer, events: FramerEvent[]): number {
    const state = this.state;
    switch (state.kind) {
      case 'opaque':
        events.push({ type: 'opaque', bytes: input });
        return input.length;
      case 'head':
        return this.head(input, events);
      case 'fixed':
        return this.counted(state, input, events, () => this.endRequest(events));
      case 'chunk-size':
        return this.chunkSize(input, events);
      case 'chunk-data':
        return this.counted(state, input, events, () => (this.state = { kind: 'chunk-crlf' }));
      case 'chunk-crlf':
        if (input.length < 2) {
          return 0;
        }
        if (!input.subarray(0, 2).equals(CRLF)) {
          return this.giveUp(input, events);
        }
        events.push({ type: 'body', bytes: input.subarray(0, 2) });
        this.state = { kind: 'chunk-size' };
        return 2;
      case 'trailers':
        return this.trailer(input, events);
    }
  }

  private head(input: Buffer, events: FramerEvent[]): number {
    const end = input.indexOf(HEAD_END);
    if (end < 0) {
      return input.length > MAX_HEAD_BYTES ? this.giveUp(input, events) : 0;
    }
    const bytes = input.subarray(0, end + HEAD_END.length);
    const parsed = parseHead(bytes.toString('latin1'));
    if (!parsed) {
      return this.giveUp(input, events);
    }
    events.push({
      type: 'head',
      bytes,
      method: parsed.method,
      expectContinue: parsed.expectContinue,
    });
    if (parsed.upgrade) {
      this.state = { kind: 'opaque' };
    } else if (parsed.chunked) {
      this.state = { kind: 'chunk-size' };
    } else if (parsed.contentLength > 0) {
      this.state = { kind: 'fixed', remaining: parsed.contentLength };
    } else {
      this.endRequest(events);
    }
    return bytes.length;
  }

  /** Body bytes of a known count (Content-Length body, chunk data); `done` after the last one. */
  private counted(
    state: { remaining: number },
    input: Buffer,
    events: FramerEvent[],
    done: () => void,
  ): number {
    const n = Math.min(state.remaining, input.length);
    events.push({ type: 'body', bytes: input.subarray(0, n) });
    state.remaining -= n;
    if (state.remaining === 0) {
      done();
    }
    return n;
  }

  private chunkSize(input: Buffer, events: FramerEvent[]): number {
    const eol = input.indexOf(CRLF);
    if (eol < 0) {
      return input.length > MAX_LINE_BYTES ? this.giveUp(input, events) : 0;
    }
    const sizeText = input.subarray(0, eol).toString('latin1').split(';')[0].trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) {
      return this.giveUp(input, events);
    }
    const size = parseInt(sizeText, 16);
    events.push({ type: 'body', bytes: input.subarray(0, eol + 2) });
    this.state = size === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', remaining: size };
    return eol + 2;
  }

  /** Trailer fields after the last chunk, up to the empty line that ends the request. */
  private trailer(input: Buffer, events: FramerEvent[]): number {
    const eol = input.indexOf(CRLF);
    if (eol < 0) {
      return input.length > MAX_LINE_BYTES ? this.giveUp(input, events) : 0;
    }
    events.push({ type: 'body', bytes: input.subarray(0, eol + 2) });
    if (eol === 0) {
      this.endRequest(events);
    }
    return eol + 2;
  }

  private endRequest(events: FramerEvent[]): void {
    events.push({ type: 'end' });
    this.state = { kind: 'head' };
  }

  private giveUp(input: Buffer, events: FramerEvent[]): number {
    this.state = { kind: 'opaque' };
    events.push({ type: 'opaque', bytes: input });
    return input.length;
  }
}

interface ParsedHead {
  method: string;
  contentLength: number;
  chunked: boolean;
  upgrade: boolean;
  expectContinue: boolean;
}

/** Request line and the framing headers; undefined when the framing is ambiguous. */
function parseHead(text: string): ParsedHead | undefined {
  // Clients may send empty lines before the request line (RFC 9112 section 2.2).
  const lines = text.replace(/^(\r\n)+/, '').split('\r\n');
  const requestLine = /^([A-Z]+) \S+ HTTP\/1\.[01]$/.exec(lines[0] ?? '');
  if (!requestLine) {
    return undefined;
  }
  const method = requestLine[1];
  const lengths = new Set<string>();
  let transferEncoding = '';
  let connection = '';
  let upgradeHeader = false;
  let expectContinue = false;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      value.split(',').forEach((v) => lengths.add(v.trim()));
    } else if (name === 'transfer-encoding') {
      transferEncoding += `${transferEncoding ? ',' : ''}${value.toLowerCase()}`;
    } else if (name === 'connection') {
      connection += `,${value.toLowerCase()}`;
    } else if (name === 'upgrade') {
      upgradeHeader = true;
    } else if (name === 'expect') {
      expectContinue = value.toLowerCase() === '100-continue';
    }
  }
  const codings = transferEncoding
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const chunked = codings.at(-1) === 'chunked';
  if ((codings.length > 0 && !chunked) || (chunked && lengths.size > 0) || lengths.size > 1) {
    return undefined;
  }
  const [length = '0'] = [...lengths];
  if (!/^\d{1,15}$/.test(length)) {
    return undefined;
  }
  const upgrade =
    method === 'CONNECT' ||
    (upgradeHeader && connection.split(',').some((t) => t.trim() === 'upgrade'));
  return { method, contentLength: Number(length), chunked, upgrade, expectContinue };
}

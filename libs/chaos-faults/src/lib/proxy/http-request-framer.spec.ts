import { HttpRequestFramer, type FramerEvent } from './http-request-framer';

const STREAM = [
  'GET /a HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello',
  'POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n',
  '\r\nPOST /d HTTP/1.1\r\ncontent-length: 0\r\n\r\n',
].join('');

/** Requests as [head line, body] with the framer's boundaries. */
function requests(events: FramerEvent[]): [string, string][] {
  const out: [string, string][] = [];
  let current: [string, string] | undefined;
  for (const e of events) {
    if (e.type === 'head') {
      current = [e.bytes.toString().trim().split('\r\n')[0], ''];
    } else if (e.type === 'body' && current) {
      current[1] += e.bytes.toString();
    } else if (e.type === 'end' && current) {
      out.push(current);
      current = undefined;
    }
  }
  return out;
}

const EXPECTED: [string, string][] = [
  ['GET /a HTTP/1.1', ''],
  ['POST /b HTTP/1.1', 'hello'],
  ['POST /c HTTP/1.1', '3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n'],
  ['POST /d HTTP/1.1', ''],
];

describe('HttpRequestFramer', () => {
  it('frames keep-alive requests with no body, Content-Length and chunked bodies with trailers', () => {
    expect(requests(new HttpRequestFramer().push(Buffer.from(STREAM)))).toEqual(EXPECTED);
  });

  it('finds the same boundaries when the stream arrives one byte at a time', () => {
    const framer = new HttpRequestFramer();
    const events = [...Buffer.from(STREAM)].flatMap((byte) => framer.push(Buffer.from([byte])));
    expect(requests(events)).toEqual(EXPECTED);
  });

  it('emits every byte exactly once, in order', () => {
    const framer = new HttpRequestFramer();
    const input = Buffer.from(STREAM);
    const events = [7, 40, 3, 90, 1000].reduce<{ events: FramerEvent[]; at: number }>(
      (acc, size) => {
        acc.events.push(...framer.push(input.subarray(acc.at, acc.at + size)));
        return { events: acc.events, at: acc.at + size };
      },
      { events: [], at: 0 },
    ).events;
    const bytes = Buffer.concat(events.flatMap((e) => (e.type === 'end' ? [] : [e.bytes])));
    expect(bytes.equals(input)).toBe(true);
  });

  it('reports Expect: 100-continue on the head', () => {
    const [head] = new HttpRequestFramer().push(
      Buffer.from('PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n'),
    );
    expect(head).toMatchObject({ type: 'head', method: 'PUT', expectContinue: true });
  });

  it.each([
    ['an upgrade', 'GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'],
    ['conflicting lengths', 'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
    ['a non-HTTP stream', 'SSH-2.0-OpenSSH\r\n\r\n'],
  ])('stops framing after %s and passes the rest on as opaque', (_, head) => {
    const framer = new HttpRequestFramer();
    framer.push(Buffer.from(head));
    expect(framer.opaque).toBe(true);
    expect(framer.push(Buffer.from('raw'))).toEqual([
      { type: 'opaque', bytes: Buffer.from('raw') },
    ]);
  });
});

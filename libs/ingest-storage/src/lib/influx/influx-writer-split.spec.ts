import { influxError, type FaultReply } from './influx-fault-server.testing';
import {
  startWriterUnderTest,
  telemetryMessage,
  type WriterUnderTest,
} from './influx-writer.testing';
import { telemetryToLine } from './line-protocol';

const NO_CONTENT: FaultReply = { status: 204 };
const batch = (n: number) => Array.from({ length: n }, (_, i) => telemetryMessage(i));
const sorted = (lines: string[]) => [...lines].sort();

describe('InfluxWriter: splitting and bisecting batches', () => {
  let under: WriterUnderTest | undefined;
  afterEach(async () => {
    await under?.close();
    under = undefined;
  });

  it('splits a batch answered 413 into halves until the server takes them, storing all', async () => {
    const maxLines = 3;
    under = await startWriterUnderTest((lines) =>
      lines.length > maxLines ? influxError(413, 'too large', 'request too large') : NO_CONTENT,
    );
    const messages = batch(10);
    const outcome = await under.writer.write(messages);

    expect(outcome.failed).toEqual([]);
    expect(sorted(outcome.ok.map(telemetryToLine))).toEqual(sorted(messages.map(telemetryToLine)));
    expect(under.server.requests.map((r) => r.lines.length)).toEqual([10, 5, 3, 2, 5, 3, 2]);
    expect(sorted(under.server.stored())).toEqual(sorted(messages.map(telemetryToLine)));
    expect(outcome).toMatchObject({ attempts: 7, retries: 0 });
  });

  it('fails a single line that still gets 413 with TOO_LARGE', async () => {
    under = await startWriterUnderTest(() => influxError(413, 'too large', 'request too large'));
    const outcome = await under.writer.write(batch(2));

    expect(outcome.ok).toEqual([]);
    expect(outcome.failed.map((f) => f.code)).toEqual(['TOO_LARGE', 'TOO_LARGE']);
    expect(outcome.failed[0].error).toContain('request too large');
    expect(under.server.requests.map((r) => r.lines.length)).toEqual([2, 1, 1]);
  });

  it.each([400, 422])(
    'bisects a batch answered %i so only the bad line fails, with the server message',
    async (status) => {
      const badDevice = 'sv-bad';
      const serverMessage = `unable to parse point: device ${badDevice} is not allowed`;
      under = await startWriterUnderTest((lines) =>
        lines.some((line) => line.includes(`deviceId=${badDevice} `))
          ? influxError(status, 'invalid', serverMessage)
          : NO_CONTENT,
      );
      const messages = batch(8);
      messages[5] = telemetryMessage(5, { deviceId: badDevice });
      const outcome = await under.writer.write(messages);

      const good = messages.filter((_, i) => i !== 5);
      expect(outcome.ok).toEqual(good);
      expect(outcome.failed).toEqual([
        { message: messages[5], code: 'REJECTED', error: `${status}: ${serverMessage}` },
      ]);
      expect(sorted(under.server.stored())).toEqual(sorted(good.map(telemetryToLine)));
      // 8 -> [0..3] ok, [4..7] rejected -> [4,5] rejected -> [4] ok, [5] rejected; [6,7] ok
      expect(under.server.requests.map((r) => r.lines.length)).toEqual([8, 4, 4, 2, 1, 1, 2]);
      expect(outcome).toMatchObject({ attempts: 7, retries: 0 });
    },
  );

  it('fails a message without line-protocol form as INVALID and sends the rest', async () => {
    under = await startWriterUnderTest(() => NO_CONTENT);
    const messages = [telemetryMessage(0), telemetryMessage(1, { tempC: Number.NaN })];
    const outcome = await under.writer.write(messages);

    expect(outcome.ok).toEqual([messages[0]]);
    expect(outcome.failed).toEqual([
      { message: messages[1], code: 'INVALID', error: expect.stringContaining('tempC') },
    ]);
    expect(under.server.stored()).toEqual([telemetryToLine(messages[0])]);
  });

  it('sends nothing for an empty batch', async () => {
    under = await startWriterUnderTest(() => NO_CONTENT);
    expect(await under.writer.write([])).toEqual({ ok: [], failed: [], attempts: 0, retries: 0 });
    expect(under.server.requests).toEqual([]);
  });
});

import { AckWindow } from './ack-window';
import { emptyStats } from './consumer-stats';

/** The packet ids in a coalesced write of 4-byte PUBACKs, checking each header. */
function pubackIds(bytes: Buffer): number[] {
  const ids: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    expect(bytes[i]).toBe(0x40);
    expect(bytes[i + 1]).toBe(0x02);
    ids.push(bytes.readUInt16BE(i + 2));
  }
  return ids;
}

describe('AckWindow', () => {
  let writes: Buffer[];
  let stats: ReturnType<typeof emptyStats>;
  let window: AckWindow;

  beforeEach(() => {
    writes = [];
    stats = emptyStats();
    window = new AckWindow((b) => writes.push(b), stats);
  });

  it('sends nothing for a delivery acked out of order until every earlier one is acked', () => {
    const [a, b, c] = [window.track(1), window.track(2), window.track(3)];
    c.ack();
    b.ack();
    window.flush();
    expect(writes).toHaveLength(0);
    a.ack();
    window.flush();
    expect(writes.map(pubackIds)).toEqual([[1, 2, 3]]);
    expect(window.unacked).toBe(0);
  });

  it('coalesces the PUBACKs due in one turn of the event loop into one write', async () => {
    const handles = Array.from({ length: 500 }, (_, i) => window.track(i + 1));
    for (const h of handles) {
      h.ack();
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
    expect(pubackIds(writes[0])).toEqual(handles.map((_, i) => i + 1));
    expect(stats).toMatchObject({
      acked: 500,
      pubacksSent: 500,
      pubackWrites: 1,
      unacked: 0,
      maxUnacked: 500,
    });
  });

  it('stops at the first unacked delivery and sends the rest when it is acked', () => {
    const [a, b, c, d] = [window.track(10), window.track(11), window.track(12), window.track(13)];
    a.ack();
    c.ack();
    window.flush();
    expect(writes.map(pubackIds)).toEqual([[10]]);
    b.ack();
    window.flush();
    expect(writes.map(pubackIds)).toEqual([[10], [11, 12]]);
    expect(window.unacked).toBe(1);
    d.ack();
    window.flush();
    expect(writes.map(pubackIds)).toEqual([[10], [11, 12], [13]]);
  });

  it('never acks a released delivery, and holds back every later PUBACK of the connection', () => {
    const [a, b, c] = [window.track(1), window.track(2), window.track(3)];
    a.ack();
    b.release();
    b.ack();
    c.ack();
    window.flush();
    expect(writes.map(pubackIds)).toEqual([[1]]);
    expect(window.unacked).toBe(2);
    expect(stats).toMatchObject({ acked: 2, released: 1 });
  });

  it('counts a second ack of the same delivery once and sends one PUBACK', () => {
    const a = window.track(7);
    a.ack();
    a.ack();
    window.flush();
    window.flush();
    expect(writes.map(pubackIds)).toEqual([[7]]);
    expect(stats.acked).toBe(1);
  });

  it('treats handles of a closed window as stale: counted, nothing written', async () => {
    const [a, b] = [window.track(1), window.track(2)];
    expect(window.close()).toBe(2);
    a.ack();
    b.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(0);
    expect(stats).toMatchObject({ staleAcks: 2, acked: 0, released: 0, unacked: 0 });
  });

  it('drops a flush scheduled before the connection closed', async () => {
    window.track(1).ack();
    window.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(0);
  });

  it('keeps order across many deliveries (queue compaction)', () => {
    const sent: number[] = [];
    window = new AckWindow((b) => sent.push(...pubackIds(b)), stats);
    for (let round = 0; round < 3; round += 1) {
      const handles = Array.from({ length: 5000 }, (_, i) =>
        window.track(((round * 5000 + i) % 65535) + 1),
      );
      handles.reverse().forEach((h) => h.ack());
      window.flush();
    }
    expect(sent).toEqual(Array.from({ length: 15000 }, (_, i) => (i % 65535) + 1));
  });
});

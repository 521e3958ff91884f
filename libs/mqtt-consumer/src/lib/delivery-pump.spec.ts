import type * as mqttPacket from 'mqtt-packet';
import { AckWindow } from './ack-window';
import { emptyStats } from './consumer-stats';
import type { Delivery } from './delivery';
import { DeliveryPump } from './delivery-pump';

const publish = (n: number, qos: 0 | 1 = 1, dup = false): mqttPacket.IPublishPacket => ({
  cmd: 'publish',
  topic: `t/${n}`,
  payload: Buffer.from(`m${n}`),
  qos,
  dup,
  retain: false,
  messageId: qos === 1 ? n : undefined,
});

describe('DeliveryPump', () => {
  let stats: ReturnType<typeof emptyStats>;
  let window: AckWindow;
  let batches: Delivery[][];
  let pump: DeliveryPump;

  beforeEach(() => {
    stats = emptyStats();
    window = new AckWindow(() => undefined, stats);
    batches = [];
    pump = new DeliveryPump(window, 3, (b) => batches.push(b), stats);
  });

  const topics = (b: Delivery[]) => b.map((d) => d.topic);

  it('hands over one read as one batch, with the read time and an ack handle per QoS 1 delivery', () => {
    pump.push([publish(1), publish(2, 0), publish(3, 1, true)], 1234);
    expect(batches).toHaveLength(1);
    expect(
      batches[0].map((d) => [d.topic, d.qos, d.dup, d.receivedAt, d.ack !== undefined]),
    ).toEqual([
      ['t/1', 1, false, 1234, true],
      ['t/2', 0, false, 1234, false],
      ['t/3', 1, true, 1234, true],
    ]);
    expect(stats).toMatchObject({ delivered: 3, deliveredDup: 1, batches: 1 });
  });

  it('holds QoS 1 deliveries beyond the limit, in order, until acks make room', () => {
    pump.push(
      [1, 2, 3, 4, 5].map((n) => publish(n)),
      1,
    );
    expect(batches.map(topics)).toEqual([['t/1', 't/2', 't/3']]);
    expect(stats.receiveMaximumExceeded).toBe(2);
    batches[0][0].ack?.ack();
    window.flush();
    pump.pump();
    expect(batches.map(topics)).toEqual([['t/1', 't/2', 't/3'], ['t/4']]);
    expect(window.unacked).toBe(3);
  });

  it('keeps a QoS 0 delivery behind held QoS 1 ones, so order is kept', () => {
    pump.push([publish(1), publish(2), publish(3), publish(4), publish(5, 0)], 1);
    expect(batches.map(topics)).toEqual([['t/1', 't/2', 't/3']]);
    batches[0].forEach((d) => d.ack?.ack());
    window.flush();
    pump.pump();
    expect(batches.map(topics)[1]).toEqual(['t/4', 't/5']);
  });

  it('reports full once a whole further window waits, and forgets what it held on drop', () => {
    pump.push(
      [1, 2, 3, 4, 5].map((n) => publish(n)),
      1,
    );
    expect(pump.full).toBe(false);
    pump.push([publish(6)], 2);
    expect(pump.full).toBe(true);
    expect(pump.drop()).toBe(3);
    expect(pump.full).toBe(false);
  });
});

import { emptyBusinessCounts } from './ingest.constants';
import { accountForRun } from './loss-accounting';

describe('accountForRun', () => {
  const counts = {
    ...emptyBusinessCounts(),
    pipeline_success_total: 900,
    core_pipeline_success_total: 950,
    replayed_total: 30,
    spooled_total: 40,
    spool_drained_total: 25,
    duplicate_total: 7,
  };

  it('sums stored (gateway + replay), DLQ and spool, and reports the rest as lost', () => {
    expect(accountForRun({ published: 1000, counts, inDlq: 50, bypass: false })).toEqual({
      published: 1000,
      stored: 930,
      in_dlq: 50,
      in_spool: 15,
      in_flight: 0,
      duplicates: 7,
      lost: 5,
      unconfirmed_arrived: 0,
    });
  });

  it('counts the core pipeline as stored in bypass mode', () => {
    expect(accountForRun({ published: 1000, counts, inDlq: 5, bypass: true }).stored).toBe(980);
  });

  it('reports messages held beyond what devices saw acknowledged apart, not as negative loss', () => {
    expect(accountForRun({ published: 900, counts, inDlq: 0, bypass: false })).toMatchObject({
      lost: 0,
      unconfirmed_arrived: 45,
    });
  });

  const missing15 = { published: 1000, counts, inDlq: 40, bypass: false };
  const measures = { broker: 9, gateways: 4, brokerDropped: 0, notes: [] };

  it('separates what was measured in flight from what is lost', () => {
    expect(accountForRun({ ...missing15, inFlight: { measures, qos: 1 } })).toMatchObject({
      in_flight: 9,
      lost: 6,
      in_flight_measured: measures,
    });
  });

  it('adds broker and gateway at QoS 0, where the broker no longer holds what a gateway holds', () => {
    expect(accountForRun({ ...missing15, inFlight: { measures, qos: 0 } })).toMatchObject({
      in_flight: 13,
      lost: 2,
    });
  });

  it('never counts more in flight than is missing, and counts nothing unmeasured', () => {
    const big = { ...measures, broker: 500 };
    expect(accountForRun({ ...missing15, inFlight: { measures: big, qos: 1 } })).toMatchObject({
      in_flight: 15,
      lost: 0,
    });
    const none = { broker: null, gateways: null, brokerDropped: null, notes: ['n/a'] };
    expect(accountForRun({ ...missing15, inFlight: { measures: none, qos: 1 } })).toMatchObject({
      in_flight: 0,
      lost: 15,
    });
  });
});

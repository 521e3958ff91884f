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
});

import { exportedSampleNames, promqlMetricNames } from './promql-names';

describe('promqlMetricNames', () => {
  it('finds the metrics of a quantile over a histogram, not its functions, labels or window', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (le, stage) (rate(ingest_stage_seconds_bucket{job="x"}[$__rate_interval])))',
      ),
    ).toEqual(['ingest_stage_seconds_bucket']);
  });

  it('finds both sides of a binary expression and skips keywords, numbers and durations', () => {
    expect(
      promqlMetricNames(
        'sum(rate(a_total[1m])) / sum(rate(b_total[1m] offset 5m)) < 0.999 and on (job) up == 0 or vector(1e3)',
      ),
    ).toEqual(['a_total', 'b_total', 'up']);
  });

  it('reads a subquery and label values that look like metrics as what they are', () => {
    expect(
      promqlMetricNames('deriv(max(ingest_dlq_depth{state="waiting"})[5m:]) > 0 unless "x_total"'),
    ).toEqual(['ingest_dlq_depth']);
  });
});

describe('exportedSampleNames', () => {
  it('names every sample line, labelled or not, and no comment', () => {
    const text = [
      '# HELP x_total help',
      '# TYPE x_total counter',
      'x_total 3',
      'h_seconds_bucket{le="0.1"} 1',
      'h_seconds_count 1',
    ].join('\n');
    expect([...exportedSampleNames(text)]).toEqual([
      'x_total',
      'h_seconds_bucket',
      'h_seconds_count',
    ]);
  });
});

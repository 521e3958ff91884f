/** POST /runs while MAX_CONCURRENT_RUNS runs are active: answered with 429, nothing started. */
export class TooManyRunsError extends Error {
  constructor(
    readonly limit: number,
    readonly activeRuns: string[],
  ) {
    super(
      `this coordinator runs at most ${limit} load test${limit === 1 ? '' : 's'} at once ` +
        `(MAX_CONCURRENT_RUNS=${limit}); active: ${activeRuns.join(', ')}. Retry when one has ended ` +
        '(GET /runs/:id), or raise MAX_CONCURRENT_RUNS when the runs load different targets',
    );
    this.name = 'TooManyRunsError';
  }
}

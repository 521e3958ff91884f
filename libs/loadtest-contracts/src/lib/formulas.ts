/**
 * The runbook's split-aggregation formulas (docs/architecture.md section 3). Rates are 0..1; 0 when
 * empty.
 */

/** published_total / (published_total + failed_total). */
export function connectionSuccessRate(publishedTotal: number, failedTotal: number): number {
  const attempted = publishedTotal + failedTotal;
  return attempted === 0 ? 0 : publishedTotal / attempted;
}

export interface BusinessCounters {
  recv_total: number;
  parse_ok_total: number;
  influx_ok_total: number;
  influx_bypass_total: number;
  redis_ok_total: number;
}

/**
 * min(parse_ok_total, influx_ok_total, redis_ok_total) / recv_total. In bypass mode the Influx
 * stage is not part of the minimum.
 */
export function businessPipelineSuccessRate(c: BusinessCounters, bypass: boolean): number {
  if (c.recv_total === 0) {
    return 0;
  }
  const stages = bypass
    ? [c.parse_ok_total, c.redis_ok_total]
    : [c.parse_ok_total, c.influx_ok_total, c.redis_ok_total];
  return Math.min(...stages) / c.recv_total;
}

/** min(parse_ok_total, redis_ok_total) / recv_total. */
export function businessCorePipelineSuccessRate(c: BusinessCounters): number {
  return c.recv_total === 0 ? 0 : Math.min(c.parse_ok_total, c.redis_ok_total) / c.recv_total;
}

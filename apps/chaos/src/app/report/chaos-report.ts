import type { ProxyCounters } from '@sousvide/chaos-faults';
import type {
  BusinessSummary,
  ConnectionSummary,
  LossAccounting,
} from '@sousvide/loadtest-contracts';
import type { ChaosOptions } from '../cli/chaos-args';
import type { GatewayScrape } from '../run/gateway-scrape';
import { analyseRecovery, faultEndSec, type Recovery, type SecondSample } from './recovery';

export interface ChaosReport {
  scenario: string;
  runId: string;
  command: string;
  load: { devices: number; mps: number; qos: number; model: string; durationSec: number };
  fault: {
    description: string;
    startSec: number;
    /** The series second the fault really ended (MTTR counts from it); see plannedEndSec. */
    endSec: number;
    /** fault-at + fault-seconds: earlier than endSec when injecting took time or by the 1 s sampling. */
    plannedEndSec: number;
    injectedAt: string | null;
    liftedAt: string | null;
  };
  /** Error classes and counts from the fault's start until recovery (or the end of the load). */
  signature: {
    simulator: Record<string, number>;
    gateway: Record<string, number>;
    dlq: Record<string, number>;
    influxProxy?: Record<string, number>;
  };
  behaviour: string;
  recovery: Recovery & { boundSec: number };
  series: SecondSample[];
  replay: Record<string, unknown> | null;
  accounting: LossAccounting | null;
  verdict: { pass: boolean; reasons: string[] };
  artifacts: string;
}

/** What the per-second sampler collected during the load. */
export interface Sampled {
  series: SecondSample[];
  atFaultStart?: GatewayScrape;
  atEnd?: GatewayScrape;
  injectedAt: string | null;
  liftedAt: string | null;
  /** Series seconds (since the load's first message) at which the lift began; null: never. */
  liftStartSec: number | null;
  proxyAtStart: Record<string, number>;
}

/**
 * chaos-report.json from the sampled series and the run's summaries: signature, behaviour,
 * recovery, accounting, and a verdict that passes only when the run recovered within the bound
 * and lost nothing.
 */
export function buildChaosReport(
  o: ChaosOptions,
  command: string,
  s: Sampled,
  r: {
    faultDescription: string;
    connection: ConnectionSummary | undefined;
    business: BusinessSummary | undefined;
    replay: Record<string, unknown> | null;
    accounting: LossAccounting | null;
    proxyNow: ProxyCounters;
    runDir: string;
  },
): ChaosReport {
  const plannedEnd = o.faultAt + o.faultSeconds;
  const faultEnd = faultEndSec(plannedEnd, s.liftStartSec);
  const recovery = analyseRecovery(s.series, o.faultAt, faultEnd);
  const gw = (k: keyof GatewayScrape): number =>
    Number(s.atEnd?.[k] ?? 0) - Number(s.atFaultStart?.[k] ?? 0);
  const influxProxy = Object.fromEntries(
    Object.entries(r.proxyNow).map(([k, v]) => [k, v - (s.proxyAtStart[k] ?? 0)]),
  );
  const reasons: string[] = [];
  if (!s.injectedAt) {
    reasons.push('the fault was never injected (the load ended or carried no traffic first)');
  }
  if (!recovery.recovered) {
    reasons.push('no 5 consecutive seconds at the ingestion SLO after the fault');
  } else if ((recovery.mttrSec ?? 0) > o.mttrBoundSec) {
    reasons.push(`MTTR ${recovery.mttrSec} s over the bound of ${o.mttrBoundSec} s`);
  }
  if (!r.accounting) {
    reasons.push('no loss accounting (connection summary missing)');
  } else if (r.accounting.lost !== 0) {
    reasons.push(`lost ${r.accounting.lost} messages after the replay`);
  }
  const degraded = s.series.filter((x) => x.t >= o.faultAt && x.t < faultEnd);
  const sum = (k: 'received' | 'stored' | 'failed'): number =>
    degraded.reduce((n, x) => n + x[k], 0);
  return {
    scenario: o.scenario,
    runId: o.runId,
    command,
    load: {
      devices: o.devices,
      mps: o.mps,
      qos: o.qos,
      model: o.model,
      durationSec: o.durationSec,
    },
    fault: {
      description: r.faultDescription,
      startSec: o.faultAt,
      endSec: faultEnd,
      plannedEndSec: plannedEnd,
      injectedAt: s.injectedAt,
      liftedAt: s.liftedAt,
    },
    signature: {
      simulator: flattenFailures(r.connection),
      gateway: {
        received: gw('received'),
        stored: gw('stored'),
        failed: gw('failed'),
        dead_lettered: gw('dlq'),
      },
      dlq: {
        influx: r.business?.influx_fail_total ?? 0,
        redis: r.business?.redis_fail_total ?? 0,
        parse: r.business?.parse_fail_total ?? 0,
        spooled: r.business?.spooled_total ?? 0,
      },
      ...(o.scenario === 'influx-spike' ? { influxProxy } : {}),
    },
    behaviour:
      `during the fault the gateway received ${sum('received')} and stored ${sum('stored')} ` +
      `(${sum('failed')} failed into the DLQ/spool); ` +
      (recovery.recovered
        ? `recovered ${recovery.mttrSec} s after the fault ended`
        : 'did not recover within the load'),
    recovery: { ...recovery, boundSec: o.mttrBoundSec },
    series: s.series,
    replay: r.replay,
    accounting: r.accounting,
    verdict: { pass: reasons.length === 0, reasons },
    artifacts: r.runDir,
  };
}

/** `connect.connect_refused: 3`-style counts of every non-zero simulator failure class. */
function flattenFailures(c: ConnectionSummary | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [stage, counts] of Object.entries(c?.failures_by_class ?? {})) {
    for (const [cls, n] of Object.entries(counts)) {
      if (n > 0) {
        out[`${stage}.${cls}`] = n;
      }
    }
  }
  return out;
}

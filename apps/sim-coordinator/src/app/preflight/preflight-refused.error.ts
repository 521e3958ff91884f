import { PreflightReport } from './preflight.types';

/** A plan the machine cannot carry: exit code 2, nothing enqueued. */
export class PreflightRefusedError extends Error {
  readonly code = 'PREFLIGHT_REFUSED';

  constructor(readonly report: PreflightReport) {
    const refused = report.checks.filter((c) => c.status === 'refuse');
    super(
      `preflight refused attempt ${report.attempt}, nothing enqueued:\n  ${refused
        .map((c) => `${c.message}${c.fix ? `\n    fix: ${c.fix}` : ''}`)
        .join('\n  ')}`,
    );
  }
}

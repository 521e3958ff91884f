import { PreflightReport } from '../preflight/preflight.types';

/** The preflight's warnings for the terminal (a refusal is the error message itself). */
export function preflightLines(report: PreflightReport): string {
  return report.checks
    .filter((c) => c.status === 'warn')
    .map((c) => `preflight warning: ${c.message}${c.fix ? `\n  fix: ${c.fix}` : ''}\n`)
    .join('');
}

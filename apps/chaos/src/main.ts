import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FaultGuard } from '@sousvide/chaos-faults';
import { UsageError } from '@sousvide/shared-util';
import { CHAOS_USAGE, parseChaosArgs } from './app/cli/chaos-args';
import { renderMarkdown } from './app/report/chaos-markdown';
import { ChaosRunner, ChaosSetupError } from './app/run/chaos-runner';

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseChaosArgs(argv, process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`chaos: ${err.message}\nRun with --help for usage.\n`);
      return EXIT.usage;
    }
    throw err;
  }
  if (parsed.command === 'help') {
    process.stdout.write(CHAOS_USAGE);
    return EXIT.ok;
  }
  const o = parsed.options;
  const command = `npx nx run chaos:${o.scenario} -- ${argv.slice(1).join(' ')}`.trim();
  const runner = new ChaosRunner(o, command);
  // Ctrl-C/SIGTERM: the guard lifts the injected fault first, then the load and gateway stop.
  const guard = new FaultGuard({
    onSignal: (signal) => {
      process.stderr.write(`chaos: ${signal}: fault lifted, stopping the load and the gateway\n`);
      void runner.stopChildren().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    },
  }).install();
  try {
    const report = await runner.run(guard);
    const dir = join(report.artifacts, 'chaos');
    writeFileSync(join(dir, 'chaos-report.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(dir, 'chaos-report.md'), renderMarkdown(report));
    process.stdout.write(
      o.json ? `${JSON.stringify(report)}\n` : `${renderMarkdown(report)}\nreport: ${dir}\n`,
    );
    return report.verdict.pass ? EXIT.ok : EXIT.failed;
  } catch (err) {
    if (err instanceof ChaosSetupError) {
      process.stderr.write(`chaos: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`chaos: ${(err as Error).message}\n`);
    return EXIT.failed;
  } finally {
    guard.dispose();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(EXIT.failed);
  },
);

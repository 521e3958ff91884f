/** `--help` of the runbook's methods (the run's own options are in cli-args.ts's HELP). */
export const METHOD_HELP = {
  crosscheck: `Usage: sim-coordinator loadtest crosscheck [run options]

The runbook's model cross-check: runs the same load with both client models, mqttjs then lean,
one after the other on the same stack (run ids <run-id>-mqttjs and <run-id>-lean), and classifies:
  no_bottleneck            both passed                                                   exit 0
  client_model_bottleneck  one model failed (or its generator saturated), the other passed  exit 1
  generator_saturated      a generator saturated and neither passed: no backend verdict   exit 1
  inconclusive             both failed, but differently                                   exit 1
  backend_bottleneck       both failed alike with healthy generators                      exit 3
Evidence per model (failure classes, connect and publish->ack latency, generator health, SLOs,
loss) goes to <ARTIFACTS_DIR>/<run-id>/crosscheck.json, next to the two runs.

Options: those of "loadtest run" (see its --help) except --model; --json prints crosscheck.json.
Exit codes: as above; 2 bad arguments or a refused plan (nothing started); 130 interrupted.`,

  capacity: `Usage: sim-coordinator loadtest capacity [run options] [--step connections|mps]
                                  [--factor X | --increment N] [--max-steps N]

Finds the knee: runs the load at the start (--connections or --mps), then grows it by a factor or
an increment, one run per step (run ids <run-id>-s1, -s2, ...), until a step fails (an SLO, the
loss accounting, the generator) or its generator saturates, or after --max-steps. Reports the last
passing step, the first failing one, the SLO furthest beyond its target there, and the bottleneck
stage (generator, broker, gateway, store) from generator health, failure classes and the gateways'
per-stage p95s. Written to <ARTIFACTS_DIR>/<run-id>/capacity.json.

  --step connections|mps  what grows                                           [connections]
  --factor X              multiply by X per step, 1.01..10                     [2]
  --increment N           or add N per step (whole for connections)
  --max-steps N           at most N steps, 2..20                               [5]
  --json                  print capacity.json on stdout
Exit codes: 0 a knee in the backend was found, or every step passed; 1 the generator was the limit
(saturated, or the preflight refused the next step; or no step passed for an unknown reason); 3 the first step already failed on the backend; 2 bad
arguments or the first step's plan refused (nothing started); 130 interrupted.`,

  diff: `Usage: sim-coordinator loadtest diff <run-id|run-dir> <run-id|run-dir> [options]

Compares the last attempts of two runs (A then B) side by side: verdict, throughput, connect rate,
connect and publish->ack percentiles, failures by class, e2e ingest percentiles, SLOs, loss. B
regressed when it is worse than A beyond the tolerances, or an SLO or the verdict went from pass to
fail, or failures or loss grew. Runs whose shape differs (connections, msg/s, QoS, duration) are
refused unless --force.

  --tolerance-rate PCT     % drop allowed in throughput and connect rate        [10]
  --tolerance-latency PCT  % growth allowed in a latency percentile              [25]
  --latency-floor MS       latency growth below this never counts               [5]
  --force                  compare runs of different shapes
  --json                   print the comparison as JSON
Exit codes: 0 no regression, 4 regressed, 2 bad arguments, an unknown run or different shapes.`,
} as const;

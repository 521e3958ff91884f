/** A run id that already has artifacts or jobs: reusing it would mix two runs' results. */
export class RunIdTakenError extends Error {
  readonly code = 'RUN_ID_TAKEN';
}

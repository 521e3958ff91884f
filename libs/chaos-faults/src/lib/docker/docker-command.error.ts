/** A docker CLI call failed (non-zero exit or timeout); `stderr` is docker's own message. */
export class DockerCommandError extends Error {
  override readonly name = 'DockerCommandError';
  readonly code = 'DOCKER_COMMAND_FAILED';

  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`docker ${args.join(' ')} ${reason}${stderr ? `: ${stderr}` : ''}`, options);
  }
}

/**
 * Bad command-line input: a command prints the message and exits 2 before it touches anything.
 * The one usage error of every command here; an invalid run spec is a subclass with its problems.
 */
export class UsageError extends Error {
  readonly code: string = 'USAGE';

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

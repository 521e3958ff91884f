/** Message of an unknown rejection: ioredis rejects with Error, but callers must not assume it. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Rejection of {@link DurableSpool.append} when the entries would push the spool past `maxBytes`. */
export class SpoolFullError extends Error {
  readonly code = 'SPOOL_FULL' as const;

  constructor(
    /** Bytes the rejected entries would have taken. */
    readonly requestedBytes: number,
    /** Bytes already spooled or waiting to be flushed. */
    readonly usedBytes: number,
    readonly maxBytes: number,
  ) {
    super(`Spool full: ${usedBytes} + ${requestedBytes} bytes would exceed ${maxBytes}`);
    this.name = 'SpoolFullError';
  }
}

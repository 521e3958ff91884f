/** Rejection of {@link DurableSpool.open} when another live process (or instance) owns the dir. */
export class SpoolLockedError extends Error {
  readonly code = 'SPOOL_LOCKED' as const;

  constructor(
    readonly dir: string,
    /** Pid recorded in the lock file, when it could be read. */
    readonly ownerPid: number | undefined,
  ) {
    super(
      `Spool directory ${dir} is locked by pid ${ownerPid ?? 'unknown'}: each gateway instance ` +
        'needs its own spool directory (remove spool.lock only if that process is gone)',
    );
    this.name = 'SpoolLockedError';
  }
}

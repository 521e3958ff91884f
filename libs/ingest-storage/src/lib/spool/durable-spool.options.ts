import type { DlqEntry } from '@sousvide/loadtest-contracts';
import type { SpoolFs, SpoolLogger } from './spool-fs';

/** What {@link DurableSpool.stats} reports: entries still to drain and the bytes they take. */
export interface SpoolStats {
  bytes: number;
  entries: number;
  segments: number;
}

/**
 * Where drained entries go, e.g. `(e) => dlqProducer.addMany(e)`. Entries in `failed` are not
 * known to be stored; any failure keeps the whole chunk in the spool.
 */
export type SpoolDrainTarget = (
  entries: DlqEntry[],
) => Promise<{ failed: { entry: DlqEntry; error: string }[] }>;

/** Options of {@link DurableSpool.open}; only `dir` is required. */
export interface DurableSpoolOptions {
  /**
   * Directory owned by one gateway process alone, e.g. `<spoolRoot>/<gatewayId>`; two processes
   * must never share one (a lock file enforces it). It must be on local disk.
   */
  dir: string;
  /**
   * Bound on undrained bytes (default 256 MiB); an append that would pass it is refused. Disk use
   * can exceed it by the already-drained head of the one segment being drained.
   */
  maxBytes?: number;
  /** A segment file is closed for writing once it reaches this size (default 8 MiB). */
  segmentBytes?: number;
  /** Appends arriving within this window share one write+fsync (default 20 ms). */
  flushIntervalMs?: number;
  /** A batch is flushed early once it holds this many entries (default 1000). */
  flushMaxEntries?: number;
  /** Fraction of `maxBytes` at which {@link onNearFull} fires (default 0.8). */
  nearFullRatio?: number;
  /**
   * Called once when the spool crosses `nearFullRatio` (also at open if it is already past it),
   * again only after it has dropped back below. A warning is logged at the same moment.
   */
  onNearFull?: (stats: SpoolStats) => void;
  logger?: SpoolLogger;
  /** File-system seam for tests (counting fsyncs, injecting faults). */
  fs?: SpoolFs;
}

export const SPOOL_DEFAULTS = {
  maxBytes: 256 * 1024 * 1024,
  segmentBytes: 8 * 1024 * 1024,
  flushIntervalMs: 20,
  flushMaxEntries: 1000,
  nearFullRatio: 0.8,
} as const;

/** The options with every default applied. */
export type SpoolSettings = Required<Omit<DurableSpoolOptions, 'onNearFull' | 'logger' | 'fs'>>;

/** Applies defaults; an explicit `undefined` (e.g. an unset config value) also gets the default. */
export function spoolSettings(options: DurableSpoolOptions): SpoolSettings {
  return {
    dir: options.dir,
    maxBytes: options.maxBytes ?? SPOOL_DEFAULTS.maxBytes,
    segmentBytes: options.segmentBytes ?? SPOOL_DEFAULTS.segmentBytes,
    flushIntervalMs: options.flushIntervalMs ?? SPOOL_DEFAULTS.flushIntervalMs,
    flushMaxEntries: options.flushMaxEntries ?? SPOOL_DEFAULTS.flushMaxEntries,
    nearFullRatio: options.nearFullRatio ?? SPOOL_DEFAULTS.nearFullRatio,
  };
}

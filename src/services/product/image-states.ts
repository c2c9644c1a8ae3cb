/**
 * The life of a product image, as data:
 *
 *   processing --finish--> ready
 *       \
 *        +-----fail / interrupt--> failed
 *
 * finish: every variant is written; fail: the pool gave up on it (a bug, a
 * full disk, a shutdown before its turn); interrupt: the process making it
 * stopped (its heartbeat went stale). An upload refused before the answer (not
 * an image, a bomb...) leaves no row at all. The SQL gets its statuses from here.
 */
export type ImageStatus = 'processing' | 'ready' | 'failed'

export interface ImageTransition {
  from: readonly ImageStatus[]
  to: ImageStatus
}

/** An upload's row is written in this status, before its pixels are looked at. */
export const IMAGE_INITIAL_STATUS: ImageStatus = 'processing'

/** Demo pictures are made before their rows exist: they are written ready. */
export const IMAGE_READY_STATUS: ImageStatus = 'ready'

export const IMAGE_TRANSITIONS: Record<'finish' | 'fail' | 'interrupt', ImageTransition> = {
  finish: { from: ['processing'], to: 'ready' },
  fail: { from: ['processing'], to: 'failed' },
  interrupt: { from: ['processing'], to: 'failed' },
}

/** The process making an image touches its row this often... */
export const HEARTBEAT_MS = 10_000
/** ...so a processing row untouched this long was left by a process that stopped. */
export const STALE_AFTER_SECONDS = 60

import type { ReservationStatus } from '../../contracts/product.js'

/**
 * The life of a stock reservation, as data:
 *
 *   held --attach--> attached --confirm--> confirmed
 *     \                  \                     \
 *      +---release / expire+-------release------+--> released   (the stock goes back)
 *
 * attach: order.placed arrived (the order exists, so the hold no longer expires);
 * confirm: order.paid (also straight from held when order.paid overtook order.placed);
 * release: order.cancelled, or a checkout that could not be written;
 * expire: the sweeper, for holds whose order was never written.
 * Every status change goes through this table: the SQL gets its statuses from here.
 */
export interface ReservationTransition {
  from: readonly ReservationStatus[]
  to: ReservationStatus
}

/** A reservation is written in this status. */
export const RESERVATION_INITIAL_STATUS: ReservationStatus = 'held'

export const RESERVATION_TRANSITIONS: Record<'attach' | 'confirm' | 'release' | 'expire', ReservationTransition> = {
  attach: { from: ['held'], to: 'attached' },
  confirm: { from: ['held', 'attached'], to: 'confirmed' },
  release: { from: ['held', 'attached', 'confirmed'], to: 'released' },
  expire: { from: ['held'], to: 'released' },
}

export function canMove(status: ReservationStatus, transition: ReservationTransition): boolean {
  return transition.from.includes(status)
}

import type { Service } from '../platform/service.js'
import { authService } from './auth/index.js'
import { cartService } from './cart/index.js'
import { notificationService } from './notification/index.js'
import { orderService } from './order/index.js'
import { productService } from './product/index.js'

/**
 * Every service, in one list; each index.ts exports its whole definition
 * (settings, pool, migrations, rate limit, events, background work, routes).
 * The composition root (app.ts) and the scripts read this; nothing is
 * discovered by folder.
 */
export const SERVICES: readonly Service[] = [productService, cartService, orderService, authService, notificationService]

export const SERVICE_NAMES: readonly string[] = SERVICES.map((s) => s.name)

/** 'all' (the embedded shop), or one service by name (one PM2 app). */
export function selectServices(which: string): Service[] {
  if (which === 'all') return [...SERVICES]
  const one = SERVICES.find((s) => s.name === which)
  if (!one) throw new Error(`unknown service '${which}': use one of ${SERVICE_NAMES.join(', ')} or all`)
  return [one]
}

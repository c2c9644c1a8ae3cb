import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { internalTokenRejected } from './errors.js'

/**
 * Internal routes (/internal/...) are for the other services only: nginx never
 * forwards them, and they demand the shared INTERNAL_API_TOKEN. Without the
 * setting (the embedded shop, where every caller is in this process) a random
 * token is made at start-up.
 */
export const INTERNAL_TOKEN_HEADER = 'x-internal-token'

export function resolveInternalToken(configured: string | undefined): string {
  return configured ?? randomBytes(32).toString('base64url')
}

/**
 * Guards a route for the other services. A wrong or missing token is 403
 * INTERNAL_TOKEN_REJECTED, logged here with who called: the caller turns any
 * such answer into 503 DEPENDENCY_UNAVAILABLE for its client (service-client.ts),
 * so a misconfigured token shows up in both logs and never as a route name to a shopper.
 */
export function internalOnly(token: string) {
  const expected = Buffer.from(token)
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const given = req.headers[INTERNAL_TOKEN_HEADER]
    const buf = Buffer.from(typeof given === 'string' ? given : '')
    if (buf.length !== expected.length || !timingSafeEqual(buf, expected)) {
      req.log.warn({ from: req.ip, route: req.routeOptions.url, token: given === undefined ? 'missing' : 'wrong' }, 'internal route refused: INTERNAL_API_TOKEN differs between services')
      throw internalTokenRejected()
    }
  }
}

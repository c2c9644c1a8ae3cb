import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { routeNotFound } from './errors.js'

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

export function internalOnly(token: string) {
  const expected = Buffer.from(token)
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const given = req.headers[INTERNAL_TOKEN_HEADER]
    const buf = Buffer.from(typeof given === 'string' ? given : '')
    if (buf.length !== expected.length || !timingSafeEqual(buf, expected)) {
      throw routeNotFound(req.method, req.url)
    }
  }
}

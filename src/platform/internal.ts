import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { internalTokenRejected, routeNotFound } from './errors.js'

/**
 * Routes for operators and the other services, never for the public: nginx
 * never forwards them, and each demands a shared secret. Internal routes
 * (/internal/...) take INTERNAL_API_TOKEN; without the setting (the embedded
 * shop, where every caller is in this process) a random token is made at
 * start-up. /metrics takes METRICS_TOKEN.
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
  return secretOnly(token, (req) => req.headers[INTERNAL_TOKEN_HEADER], (req, how) => {
    req.log.warn({ from: req.ip, route: req.routeOptions.url, token: how }, 'internal route refused: INTERNAL_API_TOKEN differs between services')
    return internalTokenRejected()
  })
}

/** GET /metrics with METRICS_TOKEN: `Authorization: Bearer <token>`, as Prometheus sends it. */
export function bearerOnly(token: string) {
  // Anyone else gets the answer of a route that does not exist: the route is not even confirmed to them.
  return secretOnly(token, (req) => /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1], (req) => routeNotFound(req.method, req.url))
}

/** A route for holders of a shared secret only, compared in constant time; anyone else gets refuse's error. */
function secretOnly(
  secret: string,
  given: (req: FastifyRequest) => string | string[] | undefined,
  refuse: (req: FastifyRequest, how: 'missing' | 'wrong') => Error,
) {
  const expected = Buffer.from(secret)
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const value = given(req)
    const buf = Buffer.from(typeof value === 'string' ? value : '')
    if (buf.length !== expected.length || !timingSafeEqual(buf, expected)) {
      throw refuse(req, value === undefined ? 'missing' : 'wrong')
    }
  }
}

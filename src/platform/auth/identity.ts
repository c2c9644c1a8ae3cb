import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError, authRequired, forbidden, invalidToken } from '../errors.js'
import type { Identity, Role, TokenVerifier } from './token-verifier.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user (verified Bearer access token), or null. */
    identity: Identity | null
  }
}

// Why a token was refused, for requireUser to report; a public route just sees identity null.
const refusals = new WeakMap<FastifyRequest, AppError>()
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i
const MAX_TOKEN_LENGTH = 4096

/**
 * Sets req.identity on every request of this scope (and its children) that
 * carries `Authorization: Bearer <access token>`, verified locally. Runs at
 * preValidation: after the rate limit (onRequest), so floods of forged tokens
 * are limited before any signature is checked.
 */
export function registerIdentity(app: FastifyInstance, verifier: TokenVerifier) {
  if (!app.hasRequestDecorator('identity')) app.decorateRequest('identity', null)
  app.addHook('preValidation', async (req) => {
    req.identity = null
    const header = req.headers.authorization
    if (header === undefined) return
    const match = header.length <= MAX_TOKEN_LENGTH ? BEARER.exec(header) : null
    if (!match) {
      refusals.set(req, invalidToken('Send the access token as: Authorization: Bearer <token>'))
      return
    }
    try {
      req.identity = await verifier.verify(match[1]!)
    } catch (err) {
      if (!(err instanceof AppError)) throw err
      refusals.set(req, err)
    }
  })
}

/** Route hook (use as `preValidation`): 401 AUTH_REQUIRED without a token, INVALID_TOKEN / TOKEN_EXPIRED with a bad one. */
export async function requireUser(req: FastifyRequest): Promise<void> {
  if (req.identity) return
  throw refusals.get(req) ?? authRequired()
}

/** Route hook (use as `preValidation`): requireUser, then 403 FORBIDDEN unless the user has the role. */
export function requireRole(role: Role) {
  return async (req: FastifyRequest): Promise<void> => {
    await requireUser(req)
    if (!req.identity!.roles.includes(role)) throw forbidden(`Only for the '${role}' role`)
  }
}

export const requireAdmin = requireRole('admin')

/** The identity of a request that passed requireUser. */
export function identityOf(req: FastifyRequest): Identity {
  if (!req.identity) throw authRequired()
  return req.identity
}

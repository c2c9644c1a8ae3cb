import { identityOf, requireUser } from '../../platform/auth/identity.js'
import type { App } from '../../platform/server.js'
import * as auth from './auth.js'
import type { AuthDeps } from './auth.js'
import * as credentials from './credentials.js'
import * as S from './schemas.js'

const errors = { 400: S.ErrorResponse, 401: S.ErrorResponse, 429: S.ErrorResponse, 503: S.ErrorResponse }
const bearer = [{ bearer: [] }]

/**
 * The routes that take a credential (a password, or a one-time token from an
 * e-mail): thin handlers over auth.ts and credentials.ts, behind the strict
 * per-client limit (index.ts).
 */
export function registerCredentialRoutes(app: App, deps: AuthDeps) {
  app.post(
    '/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create a customer account and sign in; a verification e-mail follows',
        body: S.Credentials,
        response: { 201: S.Session, 409: S.ErrorResponse, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await auth.register(deps, req.body, req.id)),
  )

  app.post(
    '/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in: an access token and a refresh token',
        body: S.Credentials,
        response: { 200: S.Session, ...errors },
      },
    },
    async (req) => auth.login(deps, req.body),
  )

  app.post(
    '/me/password',
    {
      preValidation: requireUser,
      schema: {
        tags: ['auth'],
        summary: 'Change the password; every other session ends',
        security: bearer,
        body: S.ChangePasswordBody,
        response: { 200: S.Session, 403: S.ErrorResponse, 409: S.ErrorResponse, ...errors },
      },
    },
    async (req) => credentials.changePassword(deps, identityOf(req), req.body),
  )

  app.post(
    '/password-resets',
    {
      schema: {
        tags: ['auth'],
        summary: 'Ask for a password-reset e-mail (same answer whether the account exists or not)',
        body: S.ResetRequestBody,
        response: { 202: S.Accepted, ...errors },
      },
    },
    async (req, reply) => {
      await credentials.requestPasswordReset(deps, req.body.email, req.id)
      return reply.code(202).send({ status: 'accepted' as const })
    },
  )

  app.post(
    '/password-resets/confirm',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with the token from the e-mail; every session ends',
        body: S.ResetConfirmBody,
        response: { 204: S.NoContent, ...errors },
      },
    },
    async (req, reply) => {
      await credentials.confirmPasswordReset(deps, req.body, req.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/me/email-verifications',
    {
      preValidation: requireUser,
      schema: {
        tags: ['auth'],
        summary: 'Send the confirmation e-mail again, with a new link (at most 3 an hour, the welcome e-mail included)',
        security: bearer,
        response: { 202: S.Accepted, 404: S.ErrorResponse, 409: S.ErrorResponse, ...errors },
      },
    },
    async (req, reply) => {
      await credentials.resendEmailVerification(deps, identityOf(req), req.id)
      return reply.code(202).send({ status: 'accepted' as const })
    },
  )

  app.post(
    '/email-verifications/confirm',
    {
      schema: {
        tags: ['auth'],
        summary: 'Confirm the e-mail address with the token from the welcome e-mail',
        body: S.VerificationConfirmBody,
        response: { 204: S.NoContent, ...errors },
      },
    },
    async (req, reply) => {
      await credentials.confirmEmailVerification(deps, req.body.token, req.id)
      return reply.code(204).send(null)
    },
  )
}

/** The routes of a signed-in session (the account, refresh, logout), behind the general per-client limit (index.ts). */
export function registerSessionRoutes(app: App, deps: AuthDeps) {
  app.post(
    '/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token (single use) for a new pair',
        body: S.RefreshBody,
        response: { 200: S.Session, ...errors },
      },
    },
    async (req) => auth.refresh(deps, req.body.refreshToken),
  )

  app.post(
    '/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the session of this refresh token',
        body: S.RefreshBody,
        response: { 204: S.NoContent, ...errors },
      },
    },
    async (req, reply) => {
      await auth.logout(deps, req.body.refreshToken)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/me',
    {
      preValidation: requireUser,
      schema: { tags: ['auth'], summary: 'The signed-in account', security: bearer, response: { 200: S.User, 404: S.ErrorResponse, ...errors } },
    },
    async (req) => auth.getMe(deps, identityOf(req)),
  )
}

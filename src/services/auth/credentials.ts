import type { Identity } from '../../platform/auth/token-verifier.js'
import type { Queryable } from '../../platform/db/db.js'
import { claimAttempt, getUser, issueOneTimeToken, issueVerification, startSession, session, type AuthDeps, type Session } from './auth.js'
import * as store from './auth-store.js'
import {
  currentPasswordIncorrect,
  emailAlreadyVerified,
  invalidResetToken,
  invalidVerificationToken,
  passwordChangedConcurrently,
  userNotFound,
  verificationEmailLimit,
} from './errors.js'
import { checkNewPassword, normalizeEmail } from './passwords.js'
import { hashToken, newOpaqueToken, OPAQUE_TOKEN } from './tokens.js'
import { emitUserEvent } from './user-events.js'

/** The credential flows of the auth service: password change and reset, e-mail verification (and its e-mail again). */

/** Reset e-mails per account and hour, so nobody can flood a mailbox through us. */
const RESETS_PER_HOUR = 3
/** Confirmation e-mails per account and hour, the welcome e-mail included. */
const VERIFICATIONS_PER_HOUR = 3

/** Needs the current password (throttled like a login); ends every other session and starts a new one. */
export async function changePassword(
  deps: AuthDeps,
  who: Identity,
  input: { currentPassword: string; newPassword: string },
): Promise<Session> {
  const user = await getUser(deps.db, who.userId)
  checkNewPassword(input.newPassword, user.email)
  const throttleKey = hashToken(user.email)
  await claimAttempt(deps, throttleKey)
  if (!(await deps.hasher.verify(user.password_hash, input.currentPassword))) {
    throw currentPasswordIncorrect()
  }
  await store.clearLoginAttempts(deps.db, throttleKey)
  const newHash = await deps.hasher.hash(input.newPassword)
  const refreshToken = newOpaqueToken()
  const expiresAt = await deps.db.transaction(async (tx) => {
    if (!(await store.replacePasswordHash(tx, user.id, user.password_hash, newHash))) {
      throw passwordChangedConcurrently()
    }
    await store.revokeUserFamilies(tx, user.id, 'password_changed')
    await store.invalidateOneTimeTokens(tx, user.id, 'password_reset')
    return startSession(deps, tx, user.id, refreshToken)
  })
  return session(deps, user, refreshToken, expiresAt)
}

/** Always the same answer to the caller; an e-mail goes out only when the account exists. */
export async function requestPasswordReset(deps: AuthDeps, rawEmail: string, traceId?: string): Promise<void> {
  const user = await store.findUserByEmail(deps.db, normalizeEmail(rawEmail))
  if (!user) return
  if ((await store.countRecentOneTimeTokens(deps.db, user.id, 'password_reset', 3600)) >= RESETS_PER_HOUR) {
    deps.log.info({ userId: user.id }, 'password reset not sent: hourly limit reached')
    return
  }
  await deps.db.transaction(async (tx) => {
    const reset = await issueOneTimeToken(deps, tx, user.id, 'password_reset')
    const payload = { userId: user.id, email: user.email, resetToken: reset.token, expiresAt: reset.expiresAt }
    await emitUserEvent(tx, 'user.password_reset_requested', payload, traceId)
  })
}

/** Sets the new password with a live reset token (used up), ends every session; the mailbox is now verified too. */
export async function confirmPasswordReset(deps: AuthDeps, input: { token: string; password: string }, traceId?: string): Promise<void> {
  if (!OPAQUE_TOKEN.test(input.token)) throw invalidResetToken()
  const tokenHash = hashToken(input.token)
  const userId = await store.findLiveOneTimeToken(deps.db, tokenHash, 'password_reset')
  if (!userId) throw invalidResetToken()
  const user = await getUser(deps.db, userId)
  checkNewPassword(input.password, user.email)
  const newHash = await deps.hasher.hash(input.password)
  await deps.db.transaction(async (tx) => {
    // The check above was only a fast path: this statement is what makes the token single-use.
    if (!(await store.consumeOneTimeToken(tx, tokenHash, 'password_reset'))) throw invalidResetToken()
    await store.setPasswordHash(tx, userId, newHash)
    await store.invalidateOneTimeTokens(tx, userId, 'password_reset')
    await store.revokeUserFamilies(tx, userId, 'password_reset')
    await emailVerified(tx, userId, traceId)
  })
  await store.clearLoginAttempts(deps.db, hashToken(user.email))
}

export async function confirmEmailVerification(deps: AuthDeps, token: string, traceId?: string): Promise<void> {
  if (!OPAQUE_TOKEN.test(token)) throw invalidVerificationToken()
  await deps.db.transaction(async (tx) => {
    const userId = await store.consumeOneTimeToken(tx, hashToken(token), 'email_verification')
    if (!userId) throw invalidVerificationToken()
    await emailVerified(tx, userId, traceId)
  })
}

/**
 * Sends the confirmation e-mail again (a new link; earlier ones still work until
 * they expire). Under the account's row lock, so two requests at once cannot
 * pass the hourly cap together.
 */
export async function resendEmailVerification(deps: AuthDeps, who: Identity, traceId?: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const user = await store.lockUser(tx, who.userId)
    if (!user) throw userNotFound()
    if (user.email_verified_at !== null) throw emailAlreadyVerified()
    if ((await store.countRecentOneTimeTokens(tx, user.id, 'email_verification', 3600)) >= VERIFICATIONS_PER_HOUR) {
      throw verificationEmailLimit(VERIFICATIONS_PER_HOUR)
    }
    await emitUserEvent(tx, 'user.verification_requested', await issueVerification(deps, tx, user), traceId)
  })
}

async function emailVerified(tx: Queryable, userId: string, traceId?: string): Promise<void> {
  const user = await store.markEmailVerified(tx, userId)
  if (!user) return
  await emitUserEvent(tx, 'user.email_verified', { userId: user.id, email: user.email }, traceId)
}

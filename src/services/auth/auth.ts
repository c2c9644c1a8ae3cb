import type { Logger } from 'pino'
import type { Identity, Role } from '../../platform/auth/token-verifier.js'
import type { Db, Queryable } from '../../platform/db/db.js'
import { AppError } from '../../platform/errors.js'
import { appendEvent } from '../../platform/events/outbox.js'
import * as store from './auth-store.js'
import type { UserRow } from './auth-store.js'
import { canonicalEmail, checkNewPassword, normalizeEmail, type PasswordHasher } from './passwords.js'
import { hashToken, newOpaqueToken, OPAQUE_TOKEN, signAccessToken, type AccessTokenSettings } from './tokens.js'

/** The account flows of the auth service, one function per flow. */

export interface AuthDeps {
  db: Db
  log: Logger
  hasher: PasswordHasher
  accessTokens: AccessTokenSettings
  ttl: { refreshSeconds: number; resetSeconds: number; verificationSeconds: number }
  throttle: store.ThrottlePolicy
}

export interface PublicUser {
  id: string
  email: string
  emailVerified: boolean
  roles: Role[]
  createdAt: string
}

export interface Session {
  user: PublicUser
  accessToken: string
  tokenType: 'Bearer'
  /** Seconds until the access token expires. */
  expiresIn: number
  refreshToken: string
  refreshTokenExpiresAt: string
}

export interface Credentials {
  email: string
  password: string
}

/** Reset e-mails per account and hour, so nobody can flood a mailbox through us. */
const RESETS_PER_HOUR = 3

export function toPublicUser(u: UserRow): PublicUser {
  return { id: u.id, email: u.email, emailVerified: u.email_verified_at !== null, roles: u.roles, createdAt: u.created_at.toISOString() }
}

export async function register(deps: AuthDeps, input: Credentials, traceId?: string): Promise<Session> {
  const email = normalizeEmail(input.email)
  checkNewPassword(input.password, email)
  // Cheap early answer; the insert below is what actually guarantees uniqueness.
  if (await store.findUserByEmail(deps.db, email)) throw emailTaken()
  const passwordHash = await deps.hasher.hash(input.password)
  const verificationToken = newOpaqueToken()
  const refreshToken = newOpaqueToken()
  const { user, refreshExpiresAt } = await deps.db.transaction(async (tx) => {
    const user = await store.insertUser(tx, { email, passwordHash, roles: ['customer'], verified: false })
    if (!user) throw emailTaken()
    const verificationExpiresAt = await store.insertOneTimeToken(tx, {
      tokenHash: hashToken(verificationToken),
      purpose: 'email_verification',
      userId: user.id,
      ttlSeconds: deps.ttl.verificationSeconds,
    })
    await appendEvent(tx, 'auth', {
      type: 'user.registered',
      aggregateType: 'user',
      aggregateId: user.id,
      payload: { userId: user.id, email, verificationToken, verificationExpiresAt: verificationExpiresAt.toISOString() },
      ...(traceId ? { traceId } : {}),
    })
    return { user, refreshExpiresAt: await startSession(deps, tx, user.id, refreshToken) }
  })
  return session(deps, user, refreshToken, refreshExpiresAt)
}

/**
 * Unknown address and wrong password take the same path (a dummy hash stands
 * in for the missing one) and give the same answer. Every attempt counts for
 * the account's back-off before the password is checked.
 */
export async function login(deps: AuthDeps, input: Credentials): Promise<Session> {
  const email = canonicalEmail(input.email)
  const throttleKey = hashToken(email)
  await claimAttempt(deps, throttleKey)
  const user = await store.findUserByEmail(deps.db, email)
  const ok = await deps.hasher.verify(user?.password_hash, input.password)
  if (!ok || !user) throw new AppError('INVALID_CREDENTIALS', 'Wrong e-mail address or password', 401)
  await store.clearLoginAttempts(deps.db, throttleKey)
  if (deps.hasher.needsRehash(user.password_hash)) {
    await store.replacePasswordHash(deps.db, user.id, user.password_hash, await deps.hasher.hash(input.password))
  }
  const refreshToken = newOpaqueToken()
  const expiresAt = await startSession(deps, deps.db, user.id, refreshToken)
  return session(deps, user, refreshToken, expiresAt)
}

/**
 * Exchanges a refresh token for a new pair. The old token is used up; using it
 * again (a stolen copy, or a client that lost the race) revokes the whole
 * session, so the thief and the owner both have to sign in again.
 */
export async function refresh(deps: AuthDeps, refreshToken: string): Promise<Session> {
  if (!OPAQUE_TOKEN.test(refreshToken)) throw invalidRefreshToken()
  const tokenHash = hashToken(refreshToken)
  const next = newOpaqueToken()
  const rotated = await deps.db.transaction(async (tx) => {
    const used = await store.useRefreshToken(tx, tokenHash)
    if (!used) return undefined
    const expiresAt = await store.insertRefreshToken(tx, {
      tokenHash: hashToken(next),
      familyId: used.family_id,
      userId: used.user_id,
      ttlSeconds: deps.ttl.refreshSeconds,
    })
    return { user: (await store.findUserById(tx, used.user_id))!, expiresAt }
  })
  if (rotated) return session(deps, rotated.user, next, rotated.expiresAt)

  const state = await store.findRefreshToken(deps.db, tokenHash)
  if (state?.used) {
    await store.revokeFamily(deps.db, state.family_id, 'reuse')
    deps.log.warn({ familyId: state.family_id }, 'rotated refresh token used again: session revoked')
    throw new AppError('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been ended, sign in again', 401)
  }
  throw invalidRefreshToken()
}

/** Ends the session the refresh token belongs to. Unknown tokens are ignored (logging out twice is fine). */
export async function logout(deps: AuthDeps, refreshToken: string): Promise<void> {
  if (!OPAQUE_TOKEN.test(refreshToken)) return
  await store.revokeFamilyOfToken(deps.db, hashToken(refreshToken), 'logout')
}

export async function getMe(deps: AuthDeps, who: Identity): Promise<PublicUser> {
  return toPublicUser(await getUser(deps.db, who.userId))
}

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
    throw new AppError('CURRENT_PASSWORD_INCORRECT', 'The current password is wrong', 403)
  }
  await store.clearLoginAttempts(deps.db, throttleKey)
  const newHash = await deps.hasher.hash(input.newPassword)
  const refreshToken = newOpaqueToken()
  const expiresAt = await deps.db.transaction(async (tx) => {
    if (!(await store.replacePasswordHash(tx, user.id, user.password_hash, newHash))) {
      throw new AppError('PASSWORD_CHANGED_CONCURRENTLY', 'The password was changed meanwhile; sign in again', 409)
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
  const resetToken = newOpaqueToken()
  await deps.db.transaction(async (tx) => {
    const expiresAt = await store.insertOneTimeToken(tx, {
      tokenHash: hashToken(resetToken),
      purpose: 'password_reset',
      userId: user.id,
      ttlSeconds: deps.ttl.resetSeconds,
    })
    await appendEvent(tx, 'auth', {
      type: 'user.password_reset_requested',
      aggregateType: 'user',
      aggregateId: user.id,
      payload: { userId: user.id, email: user.email, resetToken, expiresAt: expiresAt.toISOString() },
      ...(traceId ? { traceId } : {}),
    })
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
  const invalid = () => new AppError('INVALID_VERIFICATION_TOKEN', 'This verification link is invalid, used or expired', 400)
  if (!OPAQUE_TOKEN.test(token)) throw invalid()
  await deps.db.transaction(async (tx) => {
    const userId = await store.consumeOneTimeToken(tx, hashToken(token), 'email_verification')
    if (!userId) throw invalid()
    await emailVerified(tx, userId, traceId)
  })
}

// --- administration (scripts/admin-create.ts) ------------------------------------

/** Gives an existing account the admin role; false when there is no such account. */
export async function grantAdmin(deps: Pick<AuthDeps, 'db'>, rawEmail: string): Promise<boolean> {
  const user = await store.findUserByEmail(deps.db, normalizeEmail(rawEmail))
  if (!user) return false
  await store.addRole(deps.db, user.id, 'admin')
  return true
}

/** A new administrator account, its address taken as verified (an operator typed it). */
export async function createAdmin(deps: Pick<AuthDeps, 'db' | 'hasher'>, input: Credentials): Promise<PublicUser> {
  const email = normalizeEmail(input.email)
  checkNewPassword(input.password, email)
  const passwordHash = await deps.hasher.hash(input.password)
  const user = await store.insertUser(deps.db, { email, passwordHash, roles: ['customer', 'admin'], verified: true })
  if (!user) throw emailTaken()
  return toPublicUser(user)
}

// --- helpers ---------------------------------------------------------------------

function startSession(deps: AuthDeps, db: Queryable, userId: string, refreshToken: string): Promise<Date> {
  return store.insertSession(db, { userId, tokenHash: hashToken(refreshToken), ttlSeconds: deps.ttl.refreshSeconds })
}

async function session(deps: AuthDeps, user: UserRow, refreshToken: string, refreshExpiresAt: Date): Promise<Session> {
  return {
    user: toPublicUser(user),
    accessToken: await signAccessToken(deps.accessTokens, user),
    tokenType: 'Bearer',
    expiresIn: deps.accessTokens.ttlSeconds,
    refreshToken,
    refreshTokenExpiresAt: refreshExpiresAt.toISOString(),
  }
}

async function claimAttempt(deps: AuthDeps, throttleKey: string): Promise<void> {
  const waitMs = await store.claimLoginAttempt(deps.db, throttleKey, deps.throttle)
  if (waitMs !== undefined) {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000))
    throw new AppError('LOGIN_THROTTLED', `Too many failed sign-ins for this account; retry in ${seconds} s`, 429, {
      'retry-after': String(seconds),
    })
  }
}

async function emailVerified(tx: Queryable, userId: string, traceId?: string): Promise<void> {
  const user = await store.markEmailVerified(tx, userId)
  if (!user) return
  await appendEvent(tx, 'auth', {
    type: 'user.email_verified',
    aggregateType: 'user',
    aggregateId: user.id,
    payload: { userId: user.id, email: user.email },
    ...(traceId ? { traceId } : {}),
  })
}

async function getUser(db: Queryable, id: string): Promise<UserRow> {
  const user = await store.findUserById(db, id)
  if (!user) throw new AppError('USER_NOT_FOUND', 'The account no longer exists', 404)
  return user
}

function emailTaken() {
  return new AppError('EMAIL_TAKEN', 'An account with this e-mail address already exists', 409)
}

function invalidRefreshToken() {
  return new AppError('INVALID_REFRESH_TOKEN', 'The refresh token is invalid, expired or revoked; sign in again', 401)
}

function invalidResetToken() {
  return new AppError('INVALID_RESET_TOKEN', 'This reset link is invalid, used or expired; ask for a new one', 400)
}

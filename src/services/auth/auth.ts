import type { Logger } from 'pino'
import { canonicalEmail } from '../../contracts/email.js'
import type { Identity, Role } from '../../platform/auth/token-verifier.js'
import type { Db, Queryable } from '../../platform/db/db.js'
import * as store from './auth-store.js'
import { emailTaken, invalidCredentials, invalidRefreshToken, loginThrottled, refreshTokenReused, userNotFound } from './errors.js'
import type { UserRow } from './auth-store.js'
import { checkNewPassword, normalizeEmail, type PasswordHasher } from './passwords.js'
import { hashToken, newOpaqueToken, OPAQUE_TOKEN, signAccessToken, type AccessTokenSettings } from './tokens.js'
import { emitUserEvent } from './user-events.js'

/** The sign-in flows of the auth service, one function per flow; password change and reset, e-mail verification: credentials.ts. */

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

export function toPublicUser(u: UserRow): PublicUser {
  return { id: u.id, email: u.email, emailVerified: u.email_verified_at !== null, roles: u.roles, createdAt: u.created_at.toISOString() }
}

export async function register(deps: AuthDeps, input: Credentials, traceId?: string): Promise<Session> {
  const email = normalizeEmail(input.email)
  checkNewPassword(input.password, email)
  // Cheap early answer; the insert below is what actually guarantees uniqueness.
  if (await store.findUserByEmail(deps.db, email)) throw emailTaken()
  const passwordHash = await deps.hasher.hash(input.password)
  const refreshToken = newOpaqueToken()
  const { user, refreshExpiresAt } = await deps.db.transaction(async (tx) => {
    const user = await store.insertUser(tx, { email, passwordHash, roles: ['customer'], verified: false })
    if (!user) throw emailTaken()
    await emitUserEvent(tx, 'user.registered', await issueVerification(deps, tx, user), traceId)
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
  if (!ok || !user) throw invalidCredentials()
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
    throw refreshTokenReused()
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

// --- shared with credentials.ts ------------------------------------------------------

export function startSession(deps: AuthDeps, db: Queryable, userId: string, refreshToken: string): Promise<Date> {
  return store.insertSession(db, { userId, tokenHash: hashToken(refreshToken), ttlSeconds: deps.ttl.refreshSeconds })
}

export async function session(deps: AuthDeps, user: UserRow, refreshToken: string, refreshExpiresAt: Date): Promise<Session> {
  return {
    user: toPublicUser(user),
    accessToken: await signAccessToken(deps.accessTokens, user),
    tokenType: 'Bearer',
    expiresIn: deps.accessTokens.ttlSeconds,
    refreshToken,
    refreshTokenExpiresAt: refreshExpiresAt.toISOString(),
  }
}

export async function claimAttempt(deps: AuthDeps, throttleKey: string): Promise<void> {
  const waitMs = await store.claimLoginAttempt(deps.db, throttleKey, deps.throttle)
  if (waitMs !== undefined) {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000))
    throw loginThrottled(seconds)
  }
}

/** A new single-use token for the user: stored hashed, returned in clear with its expiry, for the e-mail that carries it. */
export async function issueOneTimeToken(deps: AuthDeps, tx: Queryable, userId: string, purpose: 'email_verification' | 'password_reset') {
  const token = newOpaqueToken()
  const ttlSeconds = purpose === 'password_reset' ? deps.ttl.resetSeconds : deps.ttl.verificationSeconds
  const expiresAt = await store.insertOneTimeToken(tx, { tokenHash: hashToken(token), purpose, userId, ttlSeconds })
  return { token, expiresAt: expiresAt.toISOString() }
}

/** A new e-mail verification token for the user: what the e-mail that carries it needs (user.registered, user.verification_requested). */
export async function issueVerification(deps: AuthDeps, tx: Queryable, user: Pick<UserRow, 'id' | 'email'>) {
  const verification = await issueOneTimeToken(deps, tx, user.id, 'email_verification')
  return { userId: user.id, email: user.email, verificationToken: verification.token, verificationExpiresAt: verification.expiresAt }
}

export async function getUser(db: Queryable, id: string): Promise<UserRow> {
  const user = await store.findUserById(db, id)
  if (!user) throw userNotFound()
  return user
}

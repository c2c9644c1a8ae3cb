import type { Queryable } from '../../platform/db/db.js'
import type { Role } from '../../platform/auth/token-verifier.js'

/** Every SQL statement of the auth service. Tables live in the `auth` schema; times come from the database clock. */

export interface UserRow {
  id: string
  email: string
  email_verified_at: Date | null
  password_hash: string
  roles: Role[]
  created_at: Date
}

const USER_COLUMNS = 'id, email, email_verified_at, password_hash, roles, created_at'

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`select ${USER_COLUMNS} from auth.users where email = $1`, [email])
  return rows[0]
}

export async function findUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`select ${USER_COLUMNS} from auth.users where id = $1`, [id])
  return rows[0]
}

/** The user, its row locked until the transaction ends (one-at-a-time checks on the account). */
export async function lockUser(tx: Queryable, id: string): Promise<UserRow | undefined> {
  const { rows } = await tx.query<UserRow>(`select ${USER_COLUMNS} from auth.users where id = $1 for update`, [id])
  return rows[0]
}

/** The new user, or undefined when the address is taken (nothing written then). */
export async function insertUser(
  db: Queryable,
  u: { email: string; passwordHash: string; roles: Role[]; verified: boolean },
): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `insert into auth.users (email, password_hash, roles, email_verified_at)
     values ($1, $2, $3::text[], case when $4::boolean then now() end)
     on conflict (email) do nothing
     returning ${USER_COLUMNS}`,
    [u.email, u.passwordHash, u.roles, u.verified],
  )
  return rows[0]
}

/** Replaces the hash only if it is still `expectedHash`: a concurrent change or reset wins, not both. */
export async function replacePasswordHash(db: Queryable, id: string, expectedHash: string, newHash: string): Promise<boolean> {
  const r = await db.query(
    `update auth.users set password_hash = $3, password_changed_at = now(), updated_at = now()
     where id = $1 and password_hash = $2`,
    [id, expectedHash, newHash],
  )
  return r.rowCount === 1
}

export async function setPasswordHash(db: Queryable, id: string, newHash: string): Promise<void> {
  await db.query('update auth.users set password_hash = $2, password_changed_at = now(), updated_at = now() where id = $1', [id, newHash])
}

/** Sets the verification time if unset; the user when it changed. */
export async function markEmailVerified(db: Queryable, id: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `update auth.users set email_verified_at = now(), updated_at = now()
     where id = $1 and email_verified_at is null
     returning ${USER_COLUMNS}`,
    [id],
  )
  return rows[0]
}

export async function addRole(db: Queryable, id: string, role: Role): Promise<void> {
  await db.query(
    `update auth.users set roles = array_append(roles, $2::text), updated_at = now()
     where id = $1 and not ($2::text = any(roles))`,
    [id, role],
  )
}

// --- refresh tokens -----------------------------------------------------------

/** A new session: its family and first refresh token, in one statement. Returns the token's expiry. */
export async function insertSession(db: Queryable, s: { userId: string; tokenHash: string; ttlSeconds: number }): Promise<Date> {
  const { rows } = await db.query<{ expires_at: Date }>(
    `with family as (insert into auth.refresh_families (user_id) values ($1) returning id)
     insert into auth.refresh_tokens (token_hash, family_id, user_id, expires_at)
     select $2, family.id, $1, now() + make_interval(secs => $3) from family
     returning expires_at`,
    [s.userId, s.tokenHash, s.ttlSeconds],
  )
  return rows[0]!.expires_at
}

export async function insertRefreshToken(
  db: Queryable,
  t: { tokenHash: string; familyId: string; userId: string; ttlSeconds: number },
): Promise<Date> {
  const { rows } = await db.query<{ expires_at: Date }>(
    `insert into auth.refresh_tokens (token_hash, family_id, user_id, expires_at)
     values ($1, $2, $3, now() + make_interval(secs => $4))
     returning expires_at`,
    [t.tokenHash, t.familyId, t.userId, t.ttlSeconds],
  )
  return rows[0]!.expires_at
}

/**
 * Marks a live refresh token used, in one statement: of two exchanges of the
 * same token, the second waits for the first's row lock and then finds used_at
 * set, so at most one succeeds.
 */
export async function useRefreshToken(db: Queryable, tokenHash: string): Promise<{ user_id: string; family_id: string } | undefined> {
  const { rows } = await db.query<{ user_id: string; family_id: string }>(
    `update auth.refresh_tokens t set used_at = now()
     from auth.refresh_families f
     where t.token_hash = $1 and t.used_at is null and t.expires_at > now()
       and f.id = t.family_id and f.revoked_at is null
     returning t.user_id, t.family_id`,
    [tokenHash],
  )
  return rows[0]
}

export interface RefreshTokenState {
  family_id: string
  used: boolean
  expired: boolean
  revoked: boolean
}

export async function findRefreshToken(db: Queryable, tokenHash: string): Promise<RefreshTokenState | undefined> {
  const { rows } = await db.query<RefreshTokenState>(
    `select t.family_id, t.used_at is not null as used, t.expires_at <= now() as expired, f.revoked_at is not null as revoked
     from auth.refresh_tokens t join auth.refresh_families f on f.id = t.family_id
     where t.token_hash = $1`,
    [tokenHash],
  )
  return rows[0]
}

export type RevokeReason = 'logout' | 'reuse' | 'password_changed' | 'password_reset'

export async function revokeFamily(db: Queryable, familyId: string, reason: RevokeReason): Promise<void> {
  await db.query(
    'update auth.refresh_families set revoked_at = now(), revoked_reason = $2 where id = $1 and revoked_at is null',
    [familyId, reason],
  )
}

export async function revokeFamilyOfToken(db: Queryable, tokenHash: string, reason: RevokeReason): Promise<void> {
  await db.query(
    `update auth.refresh_families f set revoked_at = now(), revoked_reason = $2
     from auth.refresh_tokens t
     where t.token_hash = $1 and f.id = t.family_id and f.revoked_at is null`,
    [tokenHash, reason],
  )
}

export async function revokeUserFamilies(db: Queryable, userId: string, reason: RevokeReason): Promise<void> {
  await db.query(
    'update auth.refresh_families set revoked_at = now(), revoked_reason = $2 where user_id = $1 and revoked_at is null',
    [userId, reason],
  )
}

// --- one-time tokens ------------------------------------------------------------

export type OneTimePurpose = 'password_reset' | 'email_verification'

export async function insertOneTimeToken(
  db: Queryable,
  t: { tokenHash: string; purpose: OneTimePurpose; userId: string; ttlSeconds: number },
): Promise<Date> {
  const { rows } = await db.query<{ expires_at: Date }>(
    `insert into auth.one_time_tokens (token_hash, purpose, user_id, expires_at)
     values ($1, $2, $3, now() + make_interval(secs => $4))
     returning expires_at`,
    [t.tokenHash, t.purpose, t.userId, t.ttlSeconds],
  )
  return rows[0]!.expires_at
}

export async function countRecentOneTimeTokens(db: Queryable, userId: string, purpose: OneTimePurpose, seconds: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from auth.one_time_tokens
     where user_id = $1 and purpose = $2 and created_at > now() - make_interval(secs => $3)`,
    [userId, purpose, seconds],
  )
  return rows[0]!.n
}

export async function findLiveOneTimeToken(db: Queryable, tokenHash: string, purpose: OneTimePurpose): Promise<string | undefined> {
  const { rows } = await db.query<{ user_id: string }>(
    `select user_id from auth.one_time_tokens
     where token_hash = $1 and purpose = $2 and used_at is null and expires_at > now()`,
    [tokenHash, purpose],
  )
  return rows[0]?.user_id
}

/** Uses the token if it is live, in one statement (single use under concurrency); its user, or undefined. */
export async function consumeOneTimeToken(db: Queryable, tokenHash: string, purpose: OneTimePurpose): Promise<string | undefined> {
  const { rows } = await db.query<{ user_id: string }>(
    `update auth.one_time_tokens set used_at = now()
     where token_hash = $1 and purpose = $2 and used_at is null and expires_at > now()
     returning user_id`,
    [tokenHash, purpose],
  )
  return rows[0]?.user_id
}

export async function invalidateOneTimeTokens(db: Queryable, userId: string, purpose: OneTimePurpose): Promise<void> {
  await db.query(
    'update auth.one_time_tokens set used_at = now() where user_id = $1 and purpose = $2 and used_at is null',
    [userId, purpose],
  )
}

// --- login throttling -------------------------------------------------------------

export interface ThrottlePolicy {
  freeAttempts: number
  baseMs: number
  maxMs: number
  /** Failures older than this are forgotten. */
  forgetAfterSeconds: number
}

/**
 * Counts a login attempt for the account before the password is checked (so
 * parallel guesses cannot slip past the count), unless the account is locked.
 * Past the free attempts, each attempt locks the account for base * 2^k ms
 * (capped). Returns undefined when the attempt may proceed, else the
 * milliseconds until it may.
 */
export async function claimLoginAttempt(db: Queryable, emailKey: string, p: ThrottlePolicy): Promise<number | undefined> {
  const n = `(case when t.updated_at < now() - make_interval(secs => $5) then 1 else t.failures + 1 end)`
  const { rowCount } = await db.query(
    `insert into auth.login_throttle as t (email_key, failures, locked_until, updated_at)
     values ($1, 1, null, now())
     on conflict (email_key) do update set
       failures = ${n},
       locked_until = case when ${n} > $2
         then now() + make_interval(secs => least($3::float8 * power(2, least(${n} - $2 - 1, 40)), $4::float8) / 1000)
         end,
       updated_at = now()
     where t.locked_until is null or t.locked_until <= now()
     returning failures`,
    [emailKey, p.freeAttempts, p.baseMs, p.maxMs, p.forgetAfterSeconds],
  )
  if (rowCount === 1) return undefined
  const { rows } = await db.query<{ ms: number }>(
    `select greatest(ceil(extract(epoch from (locked_until - now())) * 1000), 1)::int as ms
     from auth.login_throttle where email_key = $1`,
    [emailKey],
  )
  return rows[0]?.ms ?? 1000
}

export async function clearLoginAttempts(db: Queryable, emailKey: string): Promise<void> {
  await db.query('delete from auth.login_throttle where email_key = $1', [emailKey])
}

// --- housekeeping -------------------------------------------------------------------

/** Deletes what can no longer be used; safe to run from every instance at once. */
export async function purgeExpired(db: Queryable, throttleForgetSeconds: number): Promise<void> {
  await db.query(`delete from auth.refresh_tokens where expires_at < now() - interval '1 day'`)
  await db.query(
    `delete from auth.refresh_families f
     where f.created_at < now() - interval '1 day'
       and not exists (select 1 from auth.refresh_tokens t where t.family_id = f.id)`,
  )
  await db.query(`delete from auth.one_time_tokens where expires_at < now() - interval '1 day'`)
  await db.query(
    `delete from auth.login_throttle
     where updated_at < now() - make_interval(secs => $1) and (locked_until is null or locked_until < now())`,
    [throttleForgetSeconds],
  )
}

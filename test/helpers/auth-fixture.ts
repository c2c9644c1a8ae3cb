import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { BuiltApp } from '../../src/app.js'

/** Small steps the auth tests share: accounts over HTTP and a look into the auth schema. */

export const PASSWORD = 'correct horse battery staple'

/**
 * Settings of the auth tests: the outbox rows are the auth service's contract, so
 * the relay and the consumers (tested by their owners) stay off; that also keeps
 * a test's teardown from racing a delivery still in flight.
 */
export const NO_WORKERS = { BACKGROUND_WORKERS: 'false' }
/** ... and the per-client limit out of the way (it has its own tests). */
export const AUTH_TEST_ENV = { ...NO_WORKERS, AUTH_RATE_LIMIT_MAX: '10000' }

export function uniqueEmail(name = 'user'): string {
  return `${name}-${randomBytes(5).toString('hex')}@example.com`
}

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` }
}

export interface SessionBody {
  user: { id: string; email: string; emailVerified: boolean; roles: string[]; createdAt: string }
  accessToken: string
  tokenType: 'Bearer'
  expiresIn: number
  refreshToken: string
  refreshTokenExpiresAt: string
}

export async function registerUser(built: BuiltApp, email = uniqueEmail(), password = PASSWORD): Promise<SessionBody> {
  const res = await built.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password } })
  assert.equal(res.statusCode, 201, res.body)
  return res.json<SessionBody>()
}

export async function loginUser(built: BuiltApp, email: string, password = PASSWORD): Promise<SessionBody> {
  const res = await built.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json<SessionBody>()
}

export interface OutboxRow {
  id: string
  type: string
  aggregate_type: string
  aggregate_id: string
  payload: Record<string, unknown>
  published_at: Date | null
}

export async function outboxEvents(built: BuiltApp, type?: string): Promise<OutboxRow[]> {
  const { rows } = await built.deps.db.query<OutboxRow>(
    `select id, type, aggregate_type, aggregate_id, payload, published_at from auth.outbox
     where $1::text is null or type = $1 order by seq`,
    [type ?? null],
  )
  return rows
}

export async function countRows(built: BuiltApp, table: string): Promise<number> {
  assert.match(table, /^auth\.[a-z_]+$/)
  const { rows } = await built.deps.db.query<{ n: number }>(`select count(*)::int as n from ${table}`)
  return rows[0]!.n
}

export function errorCode(res: { json: <T>() => T }): string {
  return res.json<{ error: { code: string } }>().error.code
}

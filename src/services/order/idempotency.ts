import { createHash, randomUUID } from 'node:crypto'
import type { Db } from '../../platform/db/db.js'
import * as store from './idempotency-store.js'
import { errorBody } from '../../platform/errors.js'
import { FinalRefusal, idempotencyInFlight, idempotencyKeyReused, isNothingWritten } from './errors.js'

/**
 * Idempotency-Key for POST /api/orders, with Stripe's semantics and those of the
 * IETF draft (draft-ietf-httpapi-idempotency-key-header): the key is scoped to
 * the user and kept 24 h; the same key with the same request replays the first
 * answer byte for byte; with another request it is 422; while the first is in
 * flight, 409 with Retry-After. The order id is fixed when the key is first
 * claimed, so a retry after a crash resumes the same order instead of making a
 * second one.
 */

/** What an Idempotency-Key may be (the route's header schema): 1-255 visible ASCII characters. */
export const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/

/** SHA-256 of method, path and the body with its keys sorted: the same request, however it is formatted. */
export function fingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${canonicalJson(body)}`).digest('hex')
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export interface StoredAnswer {
  status: number
  body: string
  replayed: boolean
}

export async function runIdempotent(
  db: Db,
  request: { userId: string; key: string; fingerprint: string; lockMs: number },
  run: (orderId: string, resumed: boolean) => Promise<{ status: number; body: unknown }>,
): Promise<StoredAnswer> {
  const { userId, key } = request
  let orderId: string = randomUUID()
  let resumed = false
  let owned = await store.claimIdempotencyKey(db, { ...request, orderId })
  if (!owned) {
    const row = await store.findIdempotencyKey(db, userId, key)
    if (!row) {
      // Deleted between our insert and our read (a refusal of the first request): claim again.
      owned = await store.claimIdempotencyKey(db, { ...request, orderId })
      if (!owned) throw idempotencyInFlight()
    } else {
      if (row.fingerprint !== request.fingerprint) {
        throw idempotencyKeyReused()
      }
      if (row.status === 'completed') return { status: row.response_status!, body: row.response_body!, replayed: true }
      if (row.locked || !(await store.takeOverIdempotencyKey(db, userId, key, request.lockMs))) throw idempotencyInFlight()
      orderId = row.order_id
      resumed = true
    }
  }
  let answer: { status: number; body: unknown }
  try {
    answer = await run(orderId, resumed)
  } catch (err) {
    if (!(err instanceof FinalRefusal)) {
      await releaseKey(db, userId, key, err)
      throw err
    }
    // A final answer (a declined charge): stored like a success, replayed the same.
    answer = { status: err.status, body: errorBody(err.code, err.message) }
  }
  const body = JSON.stringify(answer.body)
  try {
    await store.completeIdempotencyKey(db, userId, key, answer.status, body)
  } catch (err) {
    await releaseKey(db, userId, key, err)
    throw err
  }
  return { status: answer.status, body, replayed: false }
}

async function releaseKey(db: Db, userId: string, key: string, err: unknown): Promise<void> {
  if (isNothingWritten(err)) {
    // Nothing stays written (a refusal, or a failure whose stock went back): the client may retry with the same key.
    await store.deleteIdempotencyKey(db, userId, key).catch(() => {})
  } else {
    // Failed midway: a retry with the same key resumes this order at once.
    await store.unlockIdempotencyKey(db, userId, key).catch(() => {})
  }
}

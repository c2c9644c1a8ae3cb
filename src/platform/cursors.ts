import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { invalidCursor } from './errors.js'

/**
 * Keyset cursors of every list: opaque to clients, signed with the service's
 * secret (HMAC-SHA-256 over the list they were made for and their key), so a
 * client can neither forge one nor replay it on another list. Each list still
 * checks that every decoded value is one its query can take (a leaked secret,
 * or an encoder bug, must give 400 INVALID_CURSOR, not a database error).
 */
export interface CursorCodec {
  /** `list` names the list and its filters: a cursor only decodes for the same list. */
  encode(list: string, key: readonly unknown[]): string
  /** The key this codec signed for this list; 400 INVALID_CURSOR for anything else. */
  decode(list: string, cursor: string): unknown[]
}

const MAC_BYTES = 16
const BASE64URL = /^[A-Za-z0-9_-]+$/

/**
 * The codec of this process. CURSOR_SECRET is shared by every instance in
 * production; unset (the embedded shop), a random one is made at start, and
 * the cursors of an earlier run no longer decode (a client starts its list again).
 */
export function createCursorCodec(secret: string | undefined): CursorCodec {
  const key = secret ?? randomBytes(32).toString('base64url')
  const mac = (list: string, payload: string) => createHmac('sha256', key).update(`${list}\n${payload}`).digest().subarray(0, MAC_BYTES)
  return {
    encode(list, k) {
      const payload = Buffer.from(JSON.stringify(k)).toString('base64url')
      return `${payload}.${mac(list, payload).toString('base64url')}`
    },
    decode(list, cursor) {
      const [payload, tag, extra] = cursor.split('.')
      if (extra !== undefined || !payload || !tag || !BASE64URL.test(payload) || !BASE64URL.test(tag)) throw invalidCursor()
      const given = Buffer.from(tag, 'base64url')
      if (given.length !== MAC_BYTES || !timingSafeEqual(given, mac(list, payload))) throw invalidCursor()
      let k: unknown
      try {
        k = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
      } catch {
        throw invalidCursor()
      }
      if (!Array.isArray(k)) throw invalidCursor()
      return k
    },
  }
}

/** A decoded value that must be an integer within [min, max]. */
export function isIntIn(v: unknown, min: number, max: number): v is number {
  return Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max
}

export const INT4_MAX = 2_147_483_647
/** bigint ids as JavaScript numbers hold them exactly. */
export const ID_MAX = Number.MAX_SAFE_INTEGER

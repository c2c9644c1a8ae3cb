import { randomBytes } from 'node:crypto'
import { hash, parseOptions, verify, type Algorithm, type Options } from '@node-rs/argon2'
import { canonicalEmail } from '../../contracts/email.js'
import { COMMON_PASSWORDS } from './common-passwords.js'
import { authBusy, invalidEmail, passwordTooLong, weakPassword } from './errors.js'

/** E-mail and password rules, and argon2id hashing with bounded concurrency. */

export const MAX_EMAIL_LENGTH = 254
export const MIN_PASSWORD_CHARS = 10
export const MAX_PASSWORD_BYTES = 1024

const EMAIL = /^[^\s@"(),:;<>[\\\]]{1,64}@[^\s@"(),:;<>[\\\]]+\.[^\s@"(),:;<>[\\\].]{2,}$/u

/**
 * Characters nobody sees: format characters (U+200B zero width space, U+200E
 * direction marks, U+FEFF, ...), controls, and the other default-ignorable code
 * points (variation selectors, Hangul fillers). An address holding one looks
 * like another person's address.
 */
const INVISIBLE = /[\p{Cf}\p{Cc}\p{Default_Ignorable_Code_Point}]/u

/** canonicalEmail, and 400 INVALID_EMAIL unless it looks like an address and holds no invisible character. */
export function normalizeEmail(raw: string): string {
  const email = canonicalEmail(raw)
  // Tested before trim(), which would quietly drop a leading or trailing U+FEFF.
  if (email.length > MAX_EMAIL_LENGTH || INVISIBLE.test(raw.normalize('NFKC')) || !EMAIL.test(email) || email.includes('..')) {
    throw invalidEmail()
  }
  return email
}

/** The same password typed on different keyboards gives the same bytes (NIST SP 800-63B §5.1.1.2). */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC')
}

/** Refuses a new password that is too short, too long, common, or the e-mail address itself. */
export function checkNewPassword(password: string, email: string): void {
  const pw = normalizePassword(password)
  if (Buffer.byteLength(pw, 'utf8') > MAX_PASSWORD_BYTES) {
    throw passwordTooLong(MAX_PASSWORD_BYTES)
  }
  const lower = pw.toLowerCase()
  if ([...pw].length < MIN_PASSWORD_CHARS) {
    throw weakPassword(MIN_PASSWORD_CHARS)
  }
  if (COMMON_PASSWORDS.has(lower) || lower === email || lower === email.split('@')[0] || new Set(lower).size < 3) {
    throw weakPassword()
  }
}

export interface PasswordHasher {
  hash(password: string): Promise<string>
  /** Checks the password against the hash, or against a dummy hash when there is no account, so both take the same time. */
  verify(hashed: string | undefined, password: string): Promise<boolean>
  /** Whether the hash was made with weaker settings than the current ones. */
  needsRehash(hashed: string): boolean
}

export interface HasherOptions {
  memoryKiB: number
  timeCost: number
  concurrency: number
  queueMax: number
}

const ARGON2ID = 2 as Algorithm

/**
 * argon2id (OWASP: m >= 19456 KiB, t >= 2, p = 1). At most `concurrency` hashes
 * run at once (each holds memoryKiB); up to `queueMax` wait, beyond that the
 * answer is 503 AUTH_BUSY instead of an ever longer queue.
 */
export function createPasswordHasher(options: HasherOptions): PasswordHasher {
  const argon: Options = { algorithm: ARGON2ID, memoryCost: options.memoryKiB, timeCost: options.timeCost, parallelism: 1 }
  const gate = createGate(options.concurrency, options.queueMax)
  // Made at start, so the first unknown-account login takes no longer than the others.
  const dummy = hash(randomBytes(24).toString('base64url'), argon)
  dummy.catch(() => {})

  return {
    hash: (password) => gate(() => hash(normalizePassword(password), argon)),
    async verify(hashed, password) {
      const target = hashed ?? (await dummy)
      const ok = await gate(() => verify(target, normalizePassword(password)))
      return ok && hashed !== undefined
    },
    needsRehash(hashed) {
      const o = parseOptions(hashed)
      return o.algorithm !== ARGON2ID || o.memoryCost < options.memoryKiB || o.timeCost < options.timeCost
    },
  }
}

function createGate(concurrency: number, queueMax: number) {
  let active = 0
  const waiting: (() => void)[] = []
  return async function run<T>(fn: () => Promise<T>): Promise<T> {
    if (active < concurrency) active++
    else {
      if (waiting.length >= queueMax) {
        throw authBusy()
      }
      await new Promise<void>((resolve) => waiting.push(resolve))
    }
    try {
      return await fn()
    } finally {
      // Hand the slot to the next waiter, or give it back.
      const next = waiting.shift()
      if (next) next()
      else active--
    }
  }
}

import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import { ACCESS_TOKEN_ALG, ACCESS_TOKEN_TYP, type Role } from '../../platform/auth/token-verifier.js'
import type { KeyRing } from './keys.js'

/** Access tokens (JWT, Ed25519) and the opaque secrets (refresh, reset, verification tokens). */

export interface AccessTokenSettings {
  keys: KeyRing
  issuer: string
  audience: string
  ttlSeconds: number
}

export async function signAccessToken(s: AccessTokenSettings, user: { id: string; email: string; roles: Role[] }): Promise<string> {
  return new SignJWT({ email: user.email, roles: user.roles })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: s.keys.signing.kid, typ: ACCESS_TOKEN_TYP })
    .setIssuer(s.issuer)
    .setAudience(s.audience)
    .setSubject(user.id)
    .setIssuedAt()
    .setExpirationTime(`${s.ttlSeconds}s`)
    .setJti(randomUUID())
    .sign(s.keys.signing.privateKey)
}

/** 256 random bits, URL-safe: a refresh, reset or verification token. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * What the database keeps of an opaque token. A plain SHA-256 is enough: the
 * token has 256 bits of entropy, so there is nothing to brute-force, and the
 * lookup stays one indexed equality.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/** A well-formed opaque token: anything else is refused without a database lookup. */
export const OPAQUE_TOKEN = /^[A-Za-z0-9_-]{43}$/

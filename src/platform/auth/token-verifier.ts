import { createPublicKey, type KeyObject } from 'node:crypto'
import {
  createRemoteJWKSet,
  customFetch,
  errors,
  type FetchImplementation,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  type RemoteJWKSet,
} from 'jose'
import { LRUCache } from 'lru-cache'
import type { Logger } from 'pino'
import { ConfigError } from '../config.js'
import { AppError, authKeysUnavailable, invalidToken, tokenExpired } from '../errors.js'
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, type TokenVerifierConfig } from './config.js'

/** The one signature algorithm of access tokens (Ed25519). Pinned: nothing else is ever accepted. */
export const ACCESS_TOKEN_ALG = 'EdDSA'
/** JWT 'typ' header of access tokens (RFC 9068), so no other kind of JWT passes as one. */
export const ACCESS_TOKEN_TYP = 'at+jwt'
/** Longest access-token lifetime any verifier accepts, whatever the signer says (RFC 8725: short-lived). */
export const MAX_ACCESS_TOKEN_SECONDS = 900
const CLOCK_TOLERANCE_SECONDS = 30

export const ROLES = ['customer', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** Who sent a request, from a verified access token. */
export interface Identity {
  userId: string
  email: string
  roles: Role[]
}

export interface TokenVerifier {
  /** The identity in a valid access token; throws AppError 401 INVALID_TOKEN / TOKEN_EXPIRED (503 when keys cannot be fetched). */
  verify(token: string): Promise<Identity>
  /** The auth service running in this process hands in its public keys (embedded mode, and the auth service itself). */
  useLocalKeys(jwks: JSONWebKeySet): void
  /** Fetches the remote keys now (at start-up, while the auth service is idle); a failure is only logged. */
  warmUp(): Promise<void>
  readonly issuer: string
  readonly audience: string
}

class KeysUnavailable extends Error {}

/** Ed25519 public keys of a JWKS by kid; anything else in the set is ignored. */
export function publicKeysOf(jwks: JSONWebKeySet): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>()
  for (const jwk of jwks.keys ?? []) {
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.kid !== 'string' || typeof jwk.x !== 'string') continue
    if ('d' in jwk) continue
    if (jwk.alg !== undefined && jwk.alg !== ACCESS_TOKEN_ALG) continue
    keys.set(jwk.kid, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }))
  }
  return keys
}

/**
 * Verifies access tokens locally: no call to the auth service per request.
 * Keys, first match wins: the auth service in this process (useLocalKeys), the
 * AUTH_JWKS setting, or AUTH_JWKS_URL fetched at start-up and cached (fetched
 * again after keysMaxAgeMs, and at most every 30 s when a token names a kid it
 * does not know: key rotation). When a refresh fails (the auth service busy or
 * away), the keys of the last successful fetch keep verifying: a loaded auth
 * service answered its JWKS too late and every authenticated cart request got
 * 503 for it. A key the auth service has dropped stops working at the next
 * successful fetch.
 */
export function createTokenVerifier(settings: Partial<TokenVerifierConfig>, log?: Logger, options: { keysMaxAgeMs?: number } = {}): TokenVerifier {
  const issuer = settings.AUTH_ISSUER ?? DEFAULT_ISSUER
  const audience = settings.AUTH_AUDIENCE ?? DEFAULT_AUDIENCE
  let local: Map<string, KeyObject> | undefined
  const configured = settings.AUTH_JWKS === undefined ? undefined : parseConfiguredJwks(settings.AUTH_JWKS)
  // The keys of the last successful fetch, for when a refresh fails: taken as each fetch arrives, not per token.
  let lastFetched = new Map<string, KeyObject>()
  let servingStale = false
  const fetchKeys: FetchImplementation = async (url, init) => {
    const res = await fetch(url, init)
    if (!res.ok) return res
    const jwks = (await res.clone().json().catch(() => undefined)) as JSONWebKeySet | undefined
    if (jwks) lastFetched = publicKeysOf(jwks)
    if (servingStale) log?.info('token verification keys fetched again')
    servingStale = false
    return res
  }
  let remote: RemoteJWKSet | undefined
  if (settings.AUTH_JWKS_URL !== undefined) {
    remote = createRemoteJWKSet(new URL(settings.AUTH_JWKS_URL), {
      timeoutDuration: 5000,
      cooldownDuration: 30_000,
      cacheMaxAge: options.keysMaxAgeMs ?? 600_000,
      [customFetch]: fetchKeys,
    })
  }
  let warned = false
  const verified = new LRUCache<string, { identity: Identity; validUntil: number }>({ max: 20_000 })

  const getKey: JWTVerifyGetKey = async (header, token) => {
    // Every token names its key; without a kid it would be "whichever key fits".
    if (typeof header.kid !== 'string' || header.kid.length === 0) throw invalidToken('The access token names no key (kid)')
    const keys = local ?? configured
    if (keys) {
      const key = keys.get(header.kid)
      if (!key) throw invalidToken('The access token was signed with an unknown key')
      return key
    }
    if (remote) {
      try {
        return await remote(header, token)
      } catch (err) {
        if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
          throw invalidToken('The access token was signed with an unknown key')
        }
        const stale = lastFetched.get(header.kid)
        if (!stale) throw new KeysUnavailable((err as Error).message)
        if (!servingStale) log?.warn({ err }, 'cannot refresh the token verification keys: verifying with the last ones fetched')
        servingStale = true
        return stale
      }
    }
    if (!warned) {
      warned = true
      log?.error('access token received but no verification keys: set AUTH_JWKS_URL (or AUTH_JWKS), or run the auth service in this process')
    }
    throw invalidToken('The access token was signed with an unknown key')
  }

  return {
    issuer,
    audience,
    useLocalKeys(jwks) {
      local = publicKeysOf(jwks)
      verified.clear()
    },
    async warmUp() {
      if (!remote || local || configured) return
      try {
        await remote.reload()
      } catch (err) {
        log?.warn({ err }, 'cannot fetch the token verification keys yet: the first request that needs them tries again')
      }
    },
    async verify(token) {
      // A token checked once stays valid until it expires: skip the signature
      // check (the costliest step of an authenticated request) when it comes again.
      const known = verified.get(token)
      if (known && Date.now() < known.validUntil) return { ...known.identity, roles: [...known.identity.roles] }
      let payload
      try {
        ;({ payload } = await jwtVerify(token, getKey, {
          algorithms: [ACCESS_TOKEN_ALG],
          issuer,
          audience,
          typ: ACCESS_TOKEN_TYP,
          requiredClaims: ['sub', 'exp', 'iat'],
          maxTokenAge: MAX_ACCESS_TOKEN_SECONDS,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        }))
      } catch (err) {
        if (err instanceof AppError) throw err
        if (err instanceof KeysUnavailable) {
          log?.error({ err }, 'cannot fetch the token verification keys')
          throw authKeysUnavailable()
        }
        if (err instanceof errors.JWTExpired) {
          throw tokenExpired()
        }
        throw invalidToken()
      }
      const identity = identityOf(payload)
      const validUntil = Math.min(payload.exp! * 1000, (payload.iat! + MAX_ACCESS_TOKEN_SECONDS) * 1000)
      verified.set(token, { identity, validUntil })
      return { ...identity, roles: [...identity.roles] }
    },
  }
}

function identityOf(payload: Record<string, unknown>): Identity {
  const { sub, email, roles } = payload
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 64) throw invalidToken()
  if (typeof email !== 'string' || email.length === 0 || email.length > 254) throw invalidToken()
  if (!Array.isArray(roles) || !roles.every((r): r is Role => (ROLES as readonly unknown[]).includes(r))) throw invalidToken()
  return { userId: sub, email, roles: [...roles] }
}

function parseConfiguredJwks(text: string): Map<string, KeyObject> {
  let keys: Map<string, KeyObject>
  try {
    keys = publicKeysOf(JSON.parse(text) as JSONWebKeySet)
  } catch {
    keys = new Map()
  }
  if (keys.size === 0) throw new ConfigError(['AUTH_JWKS must be a JSON Web Key Set with at least one Ed25519 public key that has a kid'])
  return keys
}

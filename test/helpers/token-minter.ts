import { randomUUID } from 'node:crypto'
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '../../src/platform/auth/config.js'
import type { Role } from '../../src/platform/auth/token-verifier.js'
import { keyRingFromSeeds, newKeySeed, parseKeyMaterial } from '../../src/services/auth/keys.js'
import { signAccessToken } from '../../src/services/auth/tokens.js'

/**
 * Access tokens signed with a JWT_SECRET the test hands to its server processes:
 * many customers without the cost of registering each one (argon2).
 */
export async function tokenMinter(secret = newKeySeed()) {
  const keys = await keyRingFromSeeds(parseKeyMaterial(secret, 'test'))
  const mint = async (name: string, roles: Role[]) => {
    const id = randomUUID()
    const email = `${name}-${id.slice(0, 8)}@example.com`
    const token = await signAccessToken({ keys, issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE, ttlSeconds: 900 }, { id, email, roles })
    return { userId: id, email, headers: { authorization: `Bearer ${token}` } }
  }
  return {
    secret,
    /** The public keys, as the auth service serves them at /.well-known/jwks.json. */
    jwks: keys.jwks,
    customer: (name = 'buyer') => mint(name, ['customer']),
    admin: (name = 'admin') => mint(name, ['customer', 'admin']),
  }
}

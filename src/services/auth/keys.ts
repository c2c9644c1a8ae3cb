import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto'
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { calculateJwkThumbprint, exportJWK } from 'jose'
import type { Logger } from 'pino'
import { ACCESS_TOKEN_ALG } from '../../platform/auth/token-verifier.js'
import { ConfigError } from '../../platform/config.js'

/**
 * The access-token signing keys: Ed25519. Their text form, in JWT_SECRET (production)
 * or in DATA_DIR/auth/jwt-keys (embedded mode, generated on first start), is a
 * comma-separated list of 32-byte private keys (seeds) in base64url or base64.
 * The first key signs; every key in the list is published and accepted, so two
 * keys are valid at once during a rotation. The kid is the RFC 7638 thumbprint.
 */
export interface PublicJwk {
  kty: 'OKP'
  crv: 'Ed25519'
  x: string
  kid: string
  alg: typeof ACCESS_TOKEN_ALG
  use: 'sig'
}

export interface SigningKey {
  kid: string
  privateKey: KeyObject
  publicJwk: PublicJwk
}

export interface KeyRing {
  signing: SigningKey
  keys: SigningKey[]
  /** Public keys only, as served at /.well-known/jwks.json. */
  jwks: { keys: PublicJwk[] }
}

const MAX_KEYS = 3
const SEED_BYTES = 32
// PKCS#8 DER prefix of an Ed25519 private key (RFC 8410); the 32-byte seed follows.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

export function newKeySeed(): string {
  return randomBytes(SEED_BYTES).toString('base64url')
}

/** Seeds from the text form; throws ConfigError naming the problem (never the secret). */
export function parseKeyMaterial(text: string, source: string): Buffer[] {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean)
  const hint = `generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`
  if (parts.length === 0 || parts.length > MAX_KEYS) {
    throw new ConfigError([`${source} must hold 1 to ${MAX_KEYS} comma-separated Ed25519 private keys (32 random bytes, base64url); ${hint}`])
  }
  const seeds = parts.map((p, i) => {
    const b64url = p.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    const seed = /^[A-Za-z0-9_-]+$/.test(b64url) ? Buffer.from(b64url, 'base64url') : Buffer.alloc(0)
    // Canonical encoding only: catches typos and most pass-phrases that happen to have the right length.
    if (seed.length !== SEED_BYTES || seed.toString('base64url') !== b64url) {
      throw new ConfigError([`${source} key ${i + 1} is not 32 bytes of base64url (a password is not a key); ${hint}`])
    }
    return seed
  })
  if (new Set(seeds.map((s) => s.toString('hex'))).size !== seeds.length) throw new ConfigError([`${source} lists the same key twice`])
  return seeds
}

export async function keyRingFromSeeds(seeds: Buffer[]): Promise<KeyRing> {
  const keys = await Promise.all(
    seeds.map(async (seed) => {
      const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' })
      const { x } = await exportJWK(createPublicKey(privateKey))
      const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: x! })
      const publicJwk: PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: x!, kid, alg: ACCESS_TOKEN_ALG, use: 'sig' }
      return { kid, privateKey, publicJwk }
    }),
  )
  return { signing: keys[0]!, keys, jwks: { keys: keys.map((k) => k.publicJwk) } }
}

/**
 * The key ring of this process: JWT_SECRET when set, else the key file under
 * DATA_DIR, created on first start (atomically, so instances starting together
 * on one machine end up with the same key).
 */
export async function loadKeyRing(config: { JWT_SECRET?: string; DATA_DIR: string; DATABASE_URL?: string }, log: Logger): Promise<KeyRing> {
  if (config.JWT_SECRET !== undefined) return keyRingFromSeeds(parseKeyMaterial(config.JWT_SECRET, 'JWT_SECRET'))
  const file = path.resolve(config.DATA_DIR, 'auth', 'jwt-keys')
  if (config.DATABASE_URL) {
    log.warn({ file }, 'JWT_SECRET is not set: signing keys come from DATA_DIR, which every auth instance must share')
  }
  return keyRingFromSeeds(parseKeyMaterial(await readOrCreateKeyFile(file), file))
}

async function readOrCreateKeyFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
  await writeFile(tmp, `${newKeySeed()}\n`, { mode: 0o600 })
  try {
    // link() fails when the file exists: the first writer wins, the others read its key.
    await link(tmp, file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  } finally {
    await rm(tmp, { force: true })
  }
  return readFile(file, 'utf8')
}
